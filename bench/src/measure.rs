//! Timing primitives: latency samples with percentiles, and closed-loop clients
//! that run an operation for a fixed time.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Latencies of one run and how long it took.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Samples {
    /// Samples from latencies measured over `elapsed`.
    pub fn new(mut latencies: Vec<Duration>, elapsed: Duration) -> Self {
        latencies.sort_unstable();
        Samples { latencies, elapsed }
    }

    /// Operations completed.
    pub fn count(&self) -> usize {
        self.latencies.len()
    }

    /// Operations per second.
    pub fn rate(&self) -> f64 {
        self.count() as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// The `p`-th percentile latency in milliseconds (nearest rank).
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        let index = rank.clamp(1, self.latencies.len()) - 1;
        self.latencies[index].as_secs_f64() * 1000.0
    }
}

/// How long `call` took, once it succeeded.
pub async fn timed<T, E>(call: impl Future<Output = Result<T, E>>) -> Result<Duration, E> {
    let begun = Instant::now();
    call.await?;
    Ok(begun.elapsed())
}

/// Runs `clients` concurrent loops of `operation` for `duration` and collects each
/// call's latency. Every call must succeed: a failure aborts the benchmark, because
/// a rate that counts failures would flatter the system.
pub async fn closed_loop<F, Fut>(
    clients: usize,
    duration: Duration,
    operation: F,
) -> anyhow::Result<Samples>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let operation = Arc::new(operation);
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..clients {
        let operation = operation.clone();
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut call = 0u64;
            while Instant::now() < deadline {
                let begun = Instant::now();
                operation(client, call).await?;
                latencies.push(begun.elapsed());
                call += 1;
            }
            anyhow::Ok(latencies)
        });
    }
    let mut latencies = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        latencies.extend(joined??);
    }
    Ok(Samples::new(latencies, started.elapsed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples = Samples::new(
            (1..=100).map(Duration::from_millis).collect(),
            Duration::from_secs(2),
        );
        assert_eq!(samples.percentile_ms(50.0), 50.0);
        assert_eq!(samples.percentile_ms(99.0), 99.0);
        assert_eq!(samples.rate(), 50.0);
    }
}
