//! Typed reads of the directory read model, for the admins' and auditors'
//! views, on a connection from [`crate::reading::tenant_reader`]. (Requests are
//! checked against the directory's aggregates, not against these tables.)

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::reading::{Page, Slice};

/// A tenant's directory as the read model holds it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct DirectoryRow {
    /// The tenant the directory belongs to (one directory per tenant).
    pub tenant_id: Uuid,
    /// Its name.
    pub name: String,
    /// `OPEN` or `INVITE_ONLY`.
    pub enrollment: String,
    /// `ANY_APPROVER` or `EMPLOYEES_MANAGER`.
    pub approval_routing: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A user of the directory.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct DirectoryUserRow {
    /// The subject (`sub`) of the user's tokens: how Folio knows them.
    pub subject: String,
    /// `INVITED`, `ACTIVE` or `DEACTIVATED`.
    pub status: String,
    /// Folio roles, lower case.
    pub roles: Vec<String>,
    /// Their manager's subject.
    pub manager: Option<String>,
    /// Their cost center.
    pub cost_center: Option<String>,
    /// Where Folio e-mails them, if anywhere.
    pub email: Option<String>,
    /// Whether their personal data was erased.
    pub personal_data_erased: bool,
    /// `INVITATION` or `FIRST_SIGHT`.
    pub joined_by: String,
    /// Why they are deactivated, while they are.
    pub deactivation_reason: Option<String>,
    /// When they joined.
    pub created_at: DateTime<Utc>,
    /// The User aggregate's version.
    pub version: i64,
}

/// The reader's tenant's directory, if it has one.
pub async fn directory(conn: &mut PgConnection) -> Result<Option<DirectoryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT tenant_id, name, enrollment, approval_routing, created_at
         FROM folio_read.directory_tenants",
    )
    .fetch_optional(conn)
    .await
}

const USER_COLUMNS: &str = "subject, status, roles, manager, cost_center, email,
    personal_data_erased, joined_by, deactivation_reason, created_at, version";

/// The directory's users, by subject; only those with `status` when given, only
/// those reporting to `manager` when given.
pub async fn users(
    conn: &mut PgConnection,
    status: Option<&str>,
    manager: Option<&str>,
    page: Page,
) -> Result<Slice<DirectoryUserRow>, sqlx::Error> {
    let mut sql = QueryBuilder::<Postgres>::new(format!(
        "SELECT {USER_COLUMNS} FROM folio_read.directory_users WHERE true"
    ));
    if let Some(status) = status {
        sql.push(" AND status = ").push_bind(status.to_owned());
    }
    if let Some(manager) = manager {
        sql.push(" AND manager = ").push_bind(manager.to_owned());
    }
    sql.push(" ORDER BY subject LIMIT ")
        .push_bind(page.fetch_limit())
        .push(" OFFSET ")
        .push_bind(page.offset);
    let rows = sql.build_query_as().fetch_all(conn).await?;
    Ok(page.slice(rows))
}

/// One user of the directory, by subject.
pub async fn user(
    conn: &mut PgConnection,
    subject: &str,
) -> Result<Option<DirectoryUserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM folio_read.directory_users WHERE subject = $1"
    ))
    .bind(subject)
    .fetch_optional(conn)
    .await
}

/// The subject and e-mail address of every user who may act (invited or
/// active), holds one of `roles` (as stored, lower case) and has an address,
/// by subject.
pub async fn addresses_of_roles(
    conn: &mut PgConnection,
    roles: &[String],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT subject, email FROM folio_read.directory_users
         WHERE status IN ('INVITED', 'ACTIVE') AND roles && $1 AND email IS NOT NULL
         ORDER BY subject",
    )
    .bind(roles)
    .fetch_all(conn)
    .await
}
