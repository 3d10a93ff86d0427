//! The one watcher per process behind [`ReadModelProgress`]: while reads wait
//! for a consistency token, it asks the database how far the projectors they
//! read have applied the feed, one query per round on one connection, and
//! publishes the answer.
//!
//! A round begins when a read begins to wait, when a checkpoint moves (the
//! `folio_checkpoints` channel, notified by a trigger when any projector,
//! in this process or another, commits a batch or swaps in a rebuild), and at
//! the poll interval otherwise (a missed notification only delays). With no
//! read waiting it does nothing.

use std::convert::Infallible;
use std::time::Duration;

use folio_commands::consistency::ReadModelProgress;
use folio_projections::checkpoint::applied_through;
use sqlx::PgPool;

use crate::postgres::feed::FeedSignal;
use crate::retrying::FailureStreak;

/// Channel the checkpoint trigger notifies on (see migration 13).
pub const CHECKPOINT_CHANNEL: &str = "folio_checkpoints";

/// Answers the reads waiting in `progress` until cancelled; `poll_interval`
/// bounds how long a missed notification can delay an answer.
pub async fn answer_waiting_reads(
    pool: PgPool,
    progress: ReadModelProgress,
    poll_interval: Duration,
) -> Infallible {
    let mut streak = FailureStreak::new(
        "finding how far the read models are (for consistency tokens)",
        poll_interval,
    );
    // Nobody may ever wait: listen only once someone does.
    progress.needed().await;
    let mut moved = FeedSignal::listening(&pool, CHECKPOINT_CHANNEL, poll_interval).await;
    loop {
        let Some((round, wanted)) = progress.begin_round() else {
            progress.needed().await;
            continue;
        };
        match applied_through(&pool, &wanted).await {
            Ok(found) => {
                streak.succeeded();
                let found: Vec<_> = wanted
                    .iter()
                    .zip(found)
                    .filter_map(|((projector, _), through)| Some((*projector, through?)))
                    .collect();
                progress.publish(round, &found);
            }
            Err(error) => {
                tokio::time::sleep(streak.failed(&error)).await;
                continue;
            }
        }
        if progress.waiting_reads() > 0 {
            tokio::select! {
                () = progress.needed() => {}
                _ = moved.wait(poll_interval) => {}
            }
        }
    }
}
