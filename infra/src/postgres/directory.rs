//! The directory lookup every request makes (`folio_commands::DirectoryLookup`),
//! over the directory read model.

use async_trait::async_trait;
use folio_commands::{DirectoryLookup, DirectoryStanding, LookupError, MemberStanding};
use folio_domain::directory::{Enrollment, Role, UserStatus};
use folio_domain::ids::{TenantId, UserId};
use folio_projections::directory::queries::{self, StandingRow};
use sqlx::PgPool;

/// Reads where a subject stands from `folio_read.directory_*`.
#[derive(Debug, Clone)]
pub struct PgDirectoryLookup {
    pool: PgPool,
}

impl PgDirectoryLookup {
    /// A lookup over `pool`.
    pub fn new(pool: PgPool) -> Self {
        PgDirectoryLookup { pool }
    }
}

/// A read-model label the code does not know: the tables' CHECK constraints
/// make it impossible unless code and schema disagree.
fn unknown(what: &str, label: &str) -> LookupError {
    LookupError(format!("unknown {what} {label:?} in the directory read model").into())
}

fn standing(row: StandingRow) -> Result<DirectoryStanding, LookupError> {
    let enrollment = match row.enrollment.as_str() {
        "OPEN" => Enrollment::Open,
        "INVITE_ONLY" => Enrollment::InviteOnly,
        other => return Err(unknown("enrollment", other)),
    };
    let member = match row.status {
        None => None,
        Some(status) => {
            let status = match status.as_str() {
                "INVITED" => UserStatus::Invited,
                "ACTIVE" => UserStatus::Active,
                "DEACTIVATED" => UserStatus::Deactivated,
                other => return Err(unknown("status", other)),
            };
            let roles = row
                .roles
                .unwrap_or_default()
                .iter()
                .map(|role| role.parse::<Role>().map_err(|_| unknown("role", role)))
                .collect::<Result<Vec<_>, _>>()?;
            Some(MemberStanding { status, roles })
        }
    };
    Ok(DirectoryStanding { enrollment, member })
}

#[async_trait]
impl DirectoryLookup for PgDirectoryLookup {
    async fn standing(
        &self,
        tenant_id: TenantId,
        subject: &UserId,
    ) -> Result<Option<DirectoryStanding>, LookupError> {
        let row = queries::standing(&self.pool, tenant_id.0, &subject.0)
            .await
            .map_err(|e| LookupError(Box::new(e)))?;
        row.map(standing).transpose()
    }
}
