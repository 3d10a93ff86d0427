//! Tenant-scoped BI access: login roles that row-level security confines to one
//! tenant's rows of the read models, whatever they query (`folio bi grant` and
//! `folio bi revoke`). Each is a member of [`BI_TENANT_ROLE`], whose policy on
//! every read-model table compares the row's tenant with the one recorded for
//! the session's user in `public.bi_tenant_grants`. The all-tenant role
//! `folio_bi` stays for the operator's own analytics.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::rebuild::{API_ROLE, BI_ROLE, BI_TENANT_ROLE};

/// Why a grant or revocation did not happen; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum BiAccessError {
    /// The name is not one Folio makes roles with.
    #[error(
        "`{0}` cannot name a BI role: use 1 to 63 lowercase letters, digits and underscores, starting with a letter"
    )]
    InvalidRoleName(String),
    /// The role reads another tenant already.
    #[error("role {role} already reads tenant {tenant}: revoke it first to grant another")]
    OtherTenant {
        /// The login role asked for.
        role: String,
        /// The tenant it reads.
        tenant: Uuid,
    },
    /// A role of that name exists and was not made by `folio bi grant`: it may
    /// hold rights (a superuser's, `folio_bi`'s, a table's) that no policy
    /// confines.
    #[error(
        "role {0} exists and was not made by folio bi grant: it may hold rights row-level security does not confine; choose another name"
    )]
    ForeignRole(String),
    /// Nothing is granted to the role in this database.
    #[error("no tenant is granted to role {0} in this database")]
    NotGranted(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A tenant granted to a login role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The Postgres login role the BI tool connects as.
    pub role: String,
    /// The tenant whose rows it reads.
    pub tenant: Uuid,
    /// When it was granted.
    pub granted_at: DateTime<Utc>,
}

/// What [`grant`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Granted {
    /// It made the login role, with this password (shown once, kept nowhere).
    NewRole {
        /// The password to connect with.
        password: String,
    },
    /// The role existed (made by `folio bi grant` for another database of this
    /// server); its password is unchanged.
    ExistingRole,
    /// The role read this tenant already: nothing changed.
    AlreadyGranted,
}

/// Lets the login role `role` read `tenant`'s rows of every read model and
/// nothing else, making the role if it does not exist.
pub async fn grant(pool: &PgPool, tenant: Uuid, role: &str) -> Result<Granted, BiAccessError> {
    let role = checked_name(role)?;
    let mut tx = pool.begin().await?;
    let granted: Option<Uuid> = sqlx::query_scalar(
        "SELECT tenant_id FROM public.bi_tenant_grants WHERE role_name = $1 FOR UPDATE",
    )
    .bind(role)
    .fetch_optional(&mut *tx)
    .await?;
    match granted {
        Some(reads) if reads == tenant => return Ok(Granted::AlreadyGranted),
        Some(reads) => {
            return Err(BiAccessError::OtherTenant {
                role: role.to_owned(),
                tenant: reads,
            })
        }
        None => {}
    }
    let granted = match existing_role(&mut tx, role).await? {
        Some(true) => Granted::ExistingRole,
        Some(false) => return Err(BiAccessError::ForeignRole(role.to_owned())),
        None => {
            // Two random UUIDs: 244 random bits in characters that need no quoting.
            let password = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
            sqlx::query(&format!(
                "CREATE ROLE {role} LOGIN PASSWORD '{password}' IN ROLE {BI_TENANT_ROLE}"
            ))
            .execute(&mut *tx)
            .await?;
            Granted::NewRole { password }
        }
    };
    sqlx::query("INSERT INTO public.bi_tenant_grants (role_name, tenant_id) VALUES ($1, $2)")
        .bind(role)
        .bind(tenant)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(granted)
}

/// Takes the tenant away from `role` and drops the login role; returns the
/// tenant it read.
pub async fn revoke(pool: &PgPool, role: &str) -> Result<Uuid, BiAccessError> {
    let role = checked_name(role)?;
    let mut tx = pool.begin().await?;
    let tenant: Uuid = sqlx::query_scalar(
        "DELETE FROM public.bi_tenant_grants WHERE role_name = $1 RETURNING tenant_id",
    )
    .bind(role)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| BiAccessError::NotGranted(role.to_owned()))?;
    sqlx::query(&format!("DROP ROLE IF EXISTS {role}"))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(tenant)
}

/// Every tenant granted in this database, by role.
pub async fn grants(pool: &PgPool) -> Result<Vec<Grant>, BiAccessError> {
    let rows: Vec<(String, Uuid, DateTime<Utc>)> = sqlx::query_as(
        "SELECT role_name, tenant_id, granted_at FROM public.bi_tenant_grants ORDER BY role_name",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(role, tenant, granted_at)| Grant {
            role,
            tenant,
            granted_at,
        })
        .collect())
}

/// `Some(true)` if `role` exists and is only a tenant BI role (a member of
/// [`BI_TENANT_ROLE`], no superuser, no bypass of row-level security, not in
/// `folio_bi` or `folio_api`); `Some(false)` if it exists otherwise; `None` if
/// it does not.
async fn existing_role(conn: &mut PgConnection, role: &str) -> Result<Option<bool>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT pg_has_role(oid, '{BI_TENANT_ROLE}', 'MEMBER')
                AND NOT (rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb)
                AND NOT pg_has_role(oid, '{BI_ROLE}', 'MEMBER')
                AND NOT pg_has_role(oid, '{API_ROLE}', 'MEMBER')
         FROM pg_roles WHERE rolname = $1"
    ))
    .bind(role)
    .fetch_optional(conn)
    .await
}

/// `name` if it is a plain lowercase identifier, which needs no quoting in SQL
/// and cannot be mistaken for another role; otherwise why not.
fn checked_name(name: &str) -> Result<&str, BiAccessError> {
    let mut chars = name.chars();
    let plain = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
        && !name.starts_with("pg_")
        && !name.starts_with("folio_");
    if plain {
        Ok(name)
    } else {
        Err(BiAccessError::InvalidRoleName(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_plain_identifiers_outside_the_reserved_prefixes() {
        for good in ["metabase", "acme_bi", "b2", "a"] {
            assert!(checked_name(good).is_ok(), "{good}");
        }
        let long = "a".repeat(64);
        for bad in [
            "",
            "Metabase",
            "2bi",
            "acme-bi",
            "bi; DROP TABLE x",
            "x\"y",
            "pg_monitor",
            "folio_bi",
            long.as_str(),
        ] {
            assert!(checked_name(bad).is_err(), "{bad}");
        }
    }
}
