//! Tenant-scoped BI access as a BI tool meets it: `folio bi grant` makes a login
//! role, the tool connects with it over TCP with the printed password, and
//! whatever it queries it sees its own tenant's read-model rows and no one
//! else's; `folio bi revoke` takes it away.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::str::FromStr;

use folio_domain::ids::TenantId;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};
use support::scenario::every_event_type;
use support::{folio, tenant, TestDatabase};

/// A read-model relation: its name and whether its rows carry a `tenant_id`.
type Relation = (String, bool);

/// Every table and view of the read models.
async fn relations(db: &TestDatabase) -> Vec<Relation> {
    sqlx::query_as(
        "SELECT c.relname::text,
                EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'folio_read' AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
         ORDER BY 1",
    )
    .fetch_all(&db.app.pool)
    .await
    .unwrap()
}

/// Rows of `relation` per tenant: (`ours`, `theirs`, all), read on `conn`.
async fn counts(
    conn: &mut PgConnection,
    relation: &str,
    ours: TenantId,
    theirs: TenantId,
) -> (i64, i64, i64) {
    sqlx::query_as(&format!(
        "SELECT count(*) FILTER (WHERE tenant_id = $1), count(*) FILTER (WHERE tenant_id = $2), count(*)
         FROM folio_read.\"{relation}\""
    ))
    .bind(ours.0)
    .bind(theirs.0)
    .fetch_one(conn)
    .await
    .unwrap_or_else(|e| panic!("{relation}: {e}"))
}

/// Runs `folio bi ARGS` and returns its output, failing the test if it fails.
fn bi(db: &TestDatabase, args: &[&str]) -> String {
    let args: Vec<&str> = std::iter::once("bi").chain(args.iter().copied()).collect();
    let output = folio(&db.url, &args);
    assert!(
        output.status.success(),
        "folio {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A connection as `role` with `password`, as a BI tool opens it.
async fn connect_as(db: &TestDatabase, role: &str, password: &str) -> Result<PgConnection, String> {
    PgConnectOptions::from_str(&db.url)
        .unwrap()
        .username(role)
        .password(password)
        .connect()
        .await
        .map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_bi_role_reads_its_tenant_in_every_read_model_and_nothing_else() {
    // Given two tenants with rows in every read model
    let db = TestDatabase::new().await;
    let (ours, theirs) = (tenant(), tenant());
    every_event_type(&db.app, ours).await;
    every_event_type(&db.app, theirs).await;
    db.app.projections().catch_up().await.unwrap();

    // When the operator grants our tenant to a new login role
    let role = format!("bi_{}", uuid::Uuid::new_v4().simple());
    let printed = bi(
        &db,
        &["grant", "--tenant", &ours.0.to_string(), "--role", &role],
    );
    let password = printed
        .lines()
        .find_map(|line| line.strip_prefix("password: "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no password in {printed}"));
    let mut tool = connect_as(&db, &role, password).await.unwrap();

    // Then in every relation it sees exactly our rows, none of theirs
    let mut superuser = db.app.pool.acquire().await.unwrap();
    let relations = relations(&db).await;
    assert!(relations.len() > 20, "{relations:?}");
    for (relation, has_tenant) in &relations {
        if !has_tenant {
            // Stream guards and the like: not a tenant's, so not readable.
            let seen: i64 =
                sqlx::query_scalar(&format!("SELECT count(*) FROM folio_read.\"{relation}\""))
                    .fetch_one(&mut tool)
                    .await
                    .unwrap();
            assert_eq!(seen, 0, "{relation} has no tenant and shows rows");
            continue;
        }
        let stored = counts(&mut superuser, relation, ours, theirs).await;
        assert!(
            stored.1 > 0,
            "{relation} holds no row of the other tenant to hide"
        );
        let seen = counts(&mut tool, relation, ours, theirs).await;
        assert_eq!(
            seen,
            (stored.0, 0, stored.0),
            "{relation}: (ours, theirs, all)"
        );
    }
    // And the read-model functions, which run as their caller, are confined too
    let functions: Vec<String> = sqlx::query_scalar(
        "SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'folio_read' ORDER BY 1",
    )
    .fetch_all(&mut *superuser)
    .await
    .unwrap();
    assert_eq!(
        functions,
        ["ar_aging_as_of", "ar_aging_of", "payment_status"],
        "a new function needs a check here"
    );
    // payment_status reads no table: it decides from its arguments alone.
    let decided: Option<String> = sqlx::query_scalar(
        "SELECT folio_read.payment_status('ISSUED', 0, 100, current_date, current_date)",
    )
    .fetch_one(&mut tool)
    .await
    .unwrap();
    assert_eq!(decided.as_deref(), Some("PAID"));
    let reads_tables: bool = sqlx::query_scalar(
        "SELECT prosrc ILIKE '%FROM%' OR prosqlbody::text ILIKE '%RANGETBLENTRY%'
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'folio_read' AND p.proname = 'payment_status'",
    )
    .fetch_one(&mut *superuser)
    .await
    .unwrap();
    assert!(!reads_tables, "payment_status must read no table");
    for aging in [
        "ar_aging_as_of(current_date)",
        "ar_aging_of(current_date, false)",
        "ar_aging_of(current_date, true)",
    ] {
        let counted: (i64, i64) = sqlx::query_as(&format!(
            "SELECT count(*) FILTER (WHERE tenant_id = $1), count(*) FROM folio_read.{aging}"
        ))
        .bind(theirs.0)
        .fetch_one(&mut tool)
        .await
        .unwrap();
        assert_eq!(counted.0, 0, "{aging}: {counted:?}");
        assert!(counted.1 > 0, "{aging}: our aging shows: {counted:?}");
    }

    // And nothing beyond the read models, nor a way around the policy
    for attempt in [
        "SELECT * FROM public.events",
        "SELECT * FROM public.bi_tenant_grants",
        "SELECT * FROM public.command_outcomes",
        "SET ROLE folio_bi",
        "SET ROLE folio_api",
        "UPDATE folio_read.invoices SET total = 0",
        "CREATE TABLE folio_read.mine (id int)",
    ] {
        let refused = sqlx::raw_sql(attempt).execute(&mut tool).await;
        assert!(refused.is_err(), "{attempt} was allowed");
    }
    sqlx::raw_sql(&format!(
        "SET ROLE folio_bi_tenant; SET folio.tenant_id = '{}'",
        theirs.0
    ))
    .execute(&mut tool)
    .await
    .unwrap();
    assert_eq!(counts(&mut tool, "invoices", ours, theirs).await.1, 0);
    tool.close().await.unwrap();

    // And a role reads one tenant: another is refused, the same one changes nothing
    let other = folio(
        &db.url,
        &[
            "bi",
            "grant",
            "--tenant",
            &theirs.0.to_string(),
            "--role",
            &role,
        ],
    );
    assert!(!other.status.success());
    let said = String::from_utf8_lossy(&other.stderr);
    assert!(said.contains("already reads tenant"), "{said}");
    let again = bi(
        &db,
        &["grant", "--tenant", &ours.0.to_string(), "--role", &role],
    );
    assert!(again.contains("already"), "{again}");
    let listed = bi(&db, &["list"]);
    assert!(listed.contains(&format!("{role}\t{}", ours.0)), "{listed}");

    // When the grant is revoked, Then the role cannot even connect
    bi(&db, &["revoke", "--role", &role]);
    assert!(connect_as(&db, &role, password).await.is_err());
    assert!(!bi(&db, &["list"]).contains(&role));
}

#[tokio::test]
async fn a_role_name_that_is_not_plain_or_not_folio_made_is_refused_and_nothing_changes() {
    let db = TestDatabase::new().await;
    let t = tenant().0.to_string();
    let owner: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    for (role, says) in [
        ("Robert'); DROP ROLE root;--", "cannot name a BI role"),
        ("folio_bi", "cannot name a BI role"),
        // An existing role with rights of its own (here the database's owner)
        // is never turned into a tenant's BI role.
        (owner.as_str(), "was not made by folio bi grant"),
    ] {
        let output = folio(&db.url, &["bi", "grant", "--tenant", &t, "--role", role]);
        assert!(!output.status.success(), "{role}");
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(said.contains(says), "{role}: {said}");
    }
    let granted: i64 = sqlx::query_scalar("SELECT count(*) FROM public.bi_tenant_grants")
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    assert_eq!(granted, 0);
}
