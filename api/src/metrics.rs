//! Prometheus text metrics: requests and their latency, command outcomes by code.
//! Projection lag is read from the checkpoints when scraped.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Debug, Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Counters kept in memory by the server.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    commands: Mutex<BTreeMap<String, u64>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Metrics {
    /// Counts a finished HTTP request.
    pub fn request(&self, route: &str, status: u16, elapsed: Duration) {
        *lock(&self.requests)
            .entry((route.to_owned(), status))
            .or_default() += 1;
        let mut latency = lock(&self.latency);
        let histogram = latency.entry(route.to_owned()).or_default();
        let seconds = elapsed.as_secs_f64();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// Counts a mutation's outcome (`OK` or an error code).
    pub fn command(&self, outcome: &str) {
        *lock(&self.commands).entry(outcome.to_owned()).or_default() += 1;
    }

    /// The Prometheus exposition, with `extra` (projection lag) appended.
    pub fn render(&self, extra: &str) -> String {
        let mut out = String::new();
        out.push_str("# HELP folio_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE folio_http_requests_total counter\n");
        for ((route, status), count) in lock(&self.requests).iter() {
            out.push_str(&format!(
                "folio_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}\n"
            ));
        }
        out.push_str("# HELP folio_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE folio_http_request_duration_seconds histogram\n");
        for (route, h) in lock(&self.latency).iter() {
            for (count, bound) in h.buckets.iter().zip(BUCKETS) {
                out.push_str(&format!(
                    "folio_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}\n"
                ));
            }
            out.push_str(&format!(
                "folio_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n",
                h.count
            ));
            out.push_str(&format!(
                "folio_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n",
                h.sum
            ));
            out.push_str(&format!(
                "folio_http_request_duration_seconds_count{{route=\"{route}\"}} {}\n",
                h.count
            ));
        }
        out.push_str(
            "# HELP folio_command_outcomes_total Mutations by outcome (OK or error code).\n",
        );
        out.push_str("# TYPE folio_command_outcomes_total counter\n");
        for (outcome, count) in lock(&self.commands).iter() {
            out.push_str(&format!(
                "folio_command_outcomes_total{{outcome=\"{outcome}\"}} {count}\n"
            ));
        }
        out.push_str(extra);
        out
    }
}
