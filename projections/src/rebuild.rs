//! Rebuilding a projector: replay the whole store into fresh tables in a staging
//! schema while the live tables keep serving, then swap them in inside one
//! transaction. A projector is installed the same way the first time.
//!
//! The caller (who can read the feed) drives it: [`prepare_staging`], then
//! [`apply_to_staging`] batch by batch, then in one transaction
//! [`Checkpoint::lock`], a final catch-up with
//! [`apply_events`] and [`swap_in`].

use sha2::{Digest, Sha256};
use sqlx::{Executor, PgConnection, PgPool};

use crate::checkpoint::Checkpoint;
use crate::feed::{FeedEvent, FeedPosition};
use crate::projector::{
    apply_events, stream_guard_sql, Applied, ProjectionError, Projector, Target, LIVE_SCHEMA,
};

/// Role BI tools read through: every row of every tenant.
pub const BI_ROLE: &str = "folio_bi";

/// Role the API reads through: row-level security confines it to the tenant in
/// the `folio.tenant_id` setting.
pub const API_ROLE: &str = "folio_api";

/// Role of the login roles `folio bi grant` makes: row-level security confines
/// each to the one tenant granted to it ([`crate::bi_access`]).
pub const BI_TENANT_ROLE: &str = "folio_bi_tenant";

/// Row-level security of one read-model table; `{table}` is replaced. Tables
/// without a `tenant_id` (the stream guards) get only the all-tenant BI policy,
/// so the API and the tenant-scoped BI roles see none of their rows.
const BI_POLICY: &str = "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
     CREATE POLICY bi_reads_every_tenant ON {table} FOR SELECT TO folio_bi USING (true);";
const TENANT_POLICIES: &str =
    "CREATE POLICY api_reads_its_tenant ON {table} FOR SELECT TO folio_api
         USING (tenant_id = current_setting('folio.tenant_id')::uuid);
     CREATE POLICY bi_reads_its_granted_tenant ON {table} FOR SELECT TO folio_bi_tenant
         USING (tenant_id = (SELECT public.bi_granted_tenant()));";

/// Fingerprint of what `projector`'s tables mean: name, code version and DDL. When
/// it differs from the stored one, the live tables are out of date.
pub fn definition_hash(projector: &dyn Projector) -> String {
    let mut hasher = Sha256::new();
    hasher.update(projector.name().as_bytes());
    hasher.update(projector.version().to_be_bytes());
    hasher.update(stream_guard_sql(projector).as_bytes());
    hasher.update(projector.schema_sql().as_bytes());
    hasher.update(BI_POLICY.as_bytes());
    hasher.update(TENANT_POLICIES.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// Creates an empty staging schema with `projector`'s tables (dropping what a
/// previous, unfinished rebuild left there).
pub async fn prepare_staging(
    pool: &PgPool,
    projector: &dyn Projector,
) -> Result<Target, ProjectionError> {
    let target = Target::staging(projector);
    let schema = quote(target.schema());
    let mut tx = pool.begin().await?;
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .execute(&mut *tx)
        .await?;
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut *tx)
        .await?;
    target.enter(&mut tx).await?;
    // Plain strings run as simple queries: several statements at once.
    let guard = stream_guard_sql(projector);
    (&mut *tx).execute(guard.as_str()).await?;
    if !projector.schema_sql().trim().is_empty() {
        (&mut *tx).execute(projector.schema_sql()).await?;
    }
    let tables: Vec<(String, bool)> = sqlx::query_as(
        "SELECT c.relname::text,
                EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind = 'r'",
    )
    .bind(target.schema())
    .fetch_all(&mut *tx)
    .await?;
    for (table, has_tenant) in tables {
        let qualified = format!("{schema}.{}", quote(&table));
        (&mut *tx)
            .execute(BI_POLICY.replace("{table}", &qualified).as_str())
            .await?;
        if has_tenant {
            (&mut *tx)
                .execute(TENANT_POLICIES.replace("{table}", &qualified).as_str())
                .await?;
        }
    }
    tx.commit().await?;
    Ok(target)
}

/// Applies a batch of the replay to the staging tables, in its own transaction.
pub async fn apply_to_staging(
    pool: &PgPool,
    projector: &dyn Projector,
    events: &[FeedEvent],
) -> Result<Applied, ProjectionError> {
    let mut tx = pool.begin().await?;
    Target::staging(projector).enter(&mut tx).await?;
    let applied = apply_events(&mut tx, projector, events).await?;
    tx.commit().await?;
    Ok(applied)
}

/// Replaces `projector`'s live tables and views by the staging ones and records
/// `position` as its checkpoint. Runs inside the caller's transaction, which must
/// hold the checkpoint lock and have applied every event up to `position`.
///
/// Live relations are dropped without CASCADE: if someone built a view on them
/// outside Folio, the swap fails (and changes nothing) instead of silently dropping
/// that view.
pub async fn swap_in(
    conn: &mut PgConnection,
    projector: &dyn Projector,
    position: FeedPosition,
    previous: Option<&Checkpoint>,
) -> Result<Vec<String>, ProjectionError> {
    let staging = Target::staging(projector);
    let relations_of = "SELECT c.relname::text, c.relkind::text FROM pg_class c
                        JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'p', 'm')
                          AND ($2::text[] IS NULL OR c.relname = ANY($2))
                        ORDER BY c.relkind DESC, c.relname";
    let new: Vec<(String, String)> = sqlx::query_as(relations_of)
        .bind(staging.schema())
        .bind(None::<Vec<String>>)
        .fetch_all(&mut *conn)
        .await?;
    let mut names: Vec<String> = new.iter().map(|(name, _)| name.clone()).collect();
    if let Some(previous) = previous {
        names.extend(previous.relations.iter().cloned());
    }
    // Views sort before tables (relkind 'v' > 'r'), so dependents go first.
    let old: Vec<(String, String)> = sqlx::query_as(relations_of)
        .bind(LIVE_SCHEMA)
        .bind(&names)
        .fetch_all(&mut *conn)
        .await?;
    // Functions (a read model's shared SQL rules) sit between the two: views use
    // them, and they are bound to the tables.
    let functions_of = "SELECT p.proname::text, p.oid::regprocedure::text FROM pg_proc p
                        JOIN pg_namespace n ON n.oid = p.pronamespace
                        WHERE n.nspname = $1 AND ($2::text[] IS NULL OR p.proname = ANY($2))
                        ORDER BY p.proname";
    let new_functions: Vec<(String, String)> = sqlx::query_as(functions_of)
        .bind(staging.schema())
        .bind(None::<Vec<String>>)
        .fetch_all(&mut *conn)
        .await?;
    names.extend(new_functions.iter().map(|(name, _)| name.clone()));
    let old_functions: Vec<(String, String)> = sqlx::query_as(functions_of)
        .bind(LIVE_SCHEMA)
        .bind(&names)
        .fetch_all(&mut *conn)
        .await?;
    let (old_views, old_tables): (Vec<_>, Vec<_>) = old.iter().partition(|(_, kind)| kind == "v");
    for (name, _) in &old_views {
        sqlx::query(&format!("DROP VIEW {LIVE_SCHEMA}.{}", quote(name)))
            .execute(&mut *conn)
            .await?;
    }
    for (_, signature) in &old_functions {
        sqlx::query(&format!("DROP FUNCTION {signature}"))
            .execute(&mut *conn)
            .await?;
    }
    for (name, _) in &old_tables {
        sqlx::query(&format!("DROP TABLE {LIVE_SCHEMA}.{}", quote(name)))
            .execute(&mut *conn)
            .await?;
    }
    for (_, signature) in &new_functions {
        sqlx::query(&format!(
            "ALTER FUNCTION {signature} SET SCHEMA {LIVE_SCHEMA}"
        ))
        .execute(&mut *conn)
        .await?;
    }
    for (name, kind) in &new {
        let what = if kind == "v" { "VIEW" } else { "TABLE" };
        sqlx::query(&format!(
            "ALTER {what} {}.{} SET SCHEMA {LIVE_SCHEMA}",
            quote(staging.schema()),
            quote(name)
        ))
        .execute(&mut *conn)
        .await?;
        sqlx::query(&format!(
            "GRANT SELECT ON {LIVE_SCHEMA}.{} TO {BI_ROLE}, {API_ROLE}, {BI_TENANT_ROLE}",
            quote(name)
        ))
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(&format!("DROP SCHEMA {}", quote(staging.schema())))
        .execute(&mut *conn)
        .await?;
    let relations: Vec<String> = new
        .into_iter()
        .chain(new_functions)
        .map(|(name, _)| name)
        .collect();
    sqlx::query(
        "INSERT INTO public.projection_checkpoints
             (projector, transaction_id, global_position, definition_hash, relations)
         VALUES ($1, $2::text::xid8, $3, $4, $5)
         ON CONFLICT (projector) DO UPDATE
         SET transaction_id = excluded.transaction_id,
             global_position = excluded.global_position,
             definition_hash = excluded.definition_hash,
             relations = excluded.relations,
             rebuilt_at = now(), updated_at = now(), last_error = NULL, last_error_at = NULL",
    )
    .bind(projector.name())
    .bind(position.transaction_id.to_string())
    .bind(position.global_position)
    .bind(definition_hash(projector))
    .bind(&relations)
    .execute(&mut *conn)
    .await?;
    // The new tables hold every event of the store, so nothing a Kafka consumer
    // dead-lettered (or parked behind it) is missing any more.
    sqlx::query("DELETE FROM public.kafka_dead_letters WHERE projector = $1")
        .bind(projector.name())
        .execute(&mut *conn)
        .await?;
    Ok(relations)
}
