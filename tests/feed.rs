//! The global feed on a real Postgres: commit order, no event skipped or repeated,
//! even when transactions commit in the opposite order of their positions.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::collections::BTreeSet;

use folio_infra::postgres::feed::{await_in_flight, read_after};
use folio_projections::{FeedEvent, FeedPosition};
use sqlx::{PgConnection, PgPool};
use support::TestDatabase;
use uuid::Uuid;

/// Appends a bare event straight into the store and returns its global position.
async fn append(conn: &mut PgConnection, tenant: Uuid, aggregate_id: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version,
             payload, metadata)
         VALUES ('Probe', $1, 1, 'Probed', '1', '{}', jsonb_build_object('tenant_id', $2::text))
         RETURNING global_position",
    )
    .bind(aggregate_id)
    .bind(tenant)
    .fetch_one(conn)
    .await
    .unwrap()
}

/// What a reader that trusted `global_position` alone would return.
async fn naive_read_after(pool: &PgPool, after: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT aggregate_id FROM events WHERE global_position > $1 ORDER BY global_position",
    )
    .bind(after)
    .fetch_all(pool)
    .await
    .unwrap()
}

fn ids(events: &[FeedEvent]) -> Vec<&str> {
    events.iter().map(|e| e.aggregate_id.as_str()).collect()
}

#[tokio::test]
async fn an_event_committed_after_a_later_position_is_still_delivered() {
    let db = TestDatabase::new().await;
    let pool = &db.app.pool;
    let tenant = Uuid::new_v4();

    // Given A takes the earlier position but commits after B.
    let mut a = pool.begin().await.unwrap();
    let a_position = append(&mut a, tenant, "A").await;
    let mut b = pool.begin().await.unwrap();
    let b_position = append(&mut b, tenant, "B").await;
    assert!(a_position < b_position);
    b.commit().await.unwrap();

    // When a reader looks while A is still open, and checkpoints what it got.
    let naive_first = naive_read_after(pool, 0).await;
    let first = read_after(
        &mut pool.acquire().await.unwrap(),
        FeedPosition::ORIGIN,
        100,
    )
    .await
    .unwrap();
    let checkpoint = first.last().map_or(FeedPosition::ORIGIN, |e| e.position);
    a.commit().await.unwrap();
    // Another test's open transaction on the same server can hold the feed back
    // for a moment too; wait until A itself can no longer be overtaken.
    assert!(await_in_flight(pool, std::time::Duration::from_secs(60))
        .await
        .unwrap());
    let second = read_after(&mut pool.acquire().await.unwrap(), checkpoint, 100)
        .await
        .unwrap();

    // Then B was held back until A committed, and both arrive, A first.
    assert_eq!(ids(&first), Vec::<&str>::new());
    assert_eq!(ids(&second), vec!["A", "B"]);
    // A reader checkpointing global_position would have lost A for good.
    assert_eq!(naive_first, vec!["B".to_owned()]);
    assert_eq!(
        naive_read_after(pool, b_position).await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn batches_cover_the_store_once_in_commit_order_under_concurrent_writers() {
    let db = TestDatabase::new().await;
    let pool = db.app.pool.clone();
    let tenant = Uuid::new_v4();
    let writers = 8;
    let per_writer = 25;

    // Given writers that hold their transactions open for random short times.
    let mut tasks = Vec::new();
    for writer in 0..writers {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..per_writer {
                let mut tx = pool.begin().await.unwrap();
                append(&mut tx, tenant, &format!("w{writer}-{n}")).await;
                tokio::time::sleep(std::time::Duration::from_millis(fastrand::u64(0..8))).await;
                tx.commit().await.unwrap();
            }
        }));
    }

    // When a reader follows the feed in small batches while they write, until the
    // writers are done and nothing is left to read.
    let mut seen: Vec<FeedEvent> = Vec::new();
    let mut checkpoint = FeedPosition::ORIGIN;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let writers_done = tasks.iter().all(|t| t.is_finished());
        let batch = read_after(&mut pool.acquire().await.unwrap(), checkpoint, 7)
            .await
            .unwrap();
        assert!(batch.len() <= 7);
        // Another test's open transaction (on the same server) can hold the
        // feed back for a moment, so "nothing to read" ends the loop only once
        // every stored event has come.
        let stored = || async {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM events")
                .fetch_one(&pool)
                .await
                .unwrap()
        };
        match batch.last() {
            Some(last) => checkpoint = last.position,
            None if writers_done && seen.len() as i64 == stored().await => break,
            None => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
        }
        seen.extend(batch);
        assert!(tokio::time::Instant::now() < deadline, "the reader stalled");
    }
    for task in tasks {
        task.await.unwrap();
    }

    // Then every event came exactly once, in strictly increasing feed order.
    let distinct: BTreeSet<&str> = seen.iter().map(|e| e.aggregate_id.as_str()).collect();
    assert_eq!(distinct.len(), writers * per_writer);
    assert_eq!(seen.len(), writers * per_writer);
    assert!(seen.windows(2).all(|w| w[0].position < w[1].position));
}

#[tokio::test]
async fn a_store_restored_from_a_cluster_ahead_is_fed_once_migrated_and_new_events_follow_it() {
    let db = TestDatabase::new().await;
    let pool = &db.app.pool;
    let tenant = Uuid::new_v4();
    // Given an event restored with the transaction id it was written under in
    // a cluster 50,000 transactions ahead of this one
    let next: i64 =
        sqlx::query_scalar("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
            .fetch_one(pool)
            .await
            .unwrap();
    let written_under = next + 50_000;
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version,
             payload, metadata, transaction_id)
         VALUES ('Probe', 'restored', 1, 'Probed', '1', '{}',
                 jsonb_build_object('tenant_id', $1::text), $2::text::xid8)",
    )
    .bind(tenant)
    .bind(written_under.to_string())
    .execute(pool)
    .await
    .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let before = read_after(&mut conn, FeedPosition::ORIGIN, 100)
        .await
        .unwrap();
    assert_eq!(ids(&before), Vec::<&str>::new(), "ahead of the counter");

    // When the database is migrated, as after every restore
    folio_infra::postgres::pool::migrate(pool).await.unwrap();

    // Then the feed shows it, and what is written now comes after it
    append(&mut conn, tenant, "written here").await;
    assert!(await_in_flight(pool, std::time::Duration::from_secs(60))
        .await
        .unwrap());
    let after = read_after(&mut conn, FeedPosition::ORIGIN, 100)
        .await
        .unwrap();
    assert_eq!(ids(&after), vec!["restored", "written here"]);
    // And a store written here costs nothing
    let spent = folio_infra::postgres::transaction_counter::catch_up(pool)
        .await
        .unwrap();
    assert_eq!(spent, 0);
}
