//! The `directory` projector: tenants created with a directory and their users,
//! which every request is checked against, and each tenant's timezone, which every
//! read takes its "today" in. Tables: `tables.sql` beside this file; reads:
//! [`queries`].

pub mod queries;

use async_trait::async_trait;
use cqrs_es::Aggregate;
use folio_domain::directory::{Role, Tenant, TenantEvent, User, UserEvent};
use folio_domain::settings::{SettingsEvent, TenantSettings};
use sqlx::PgConnection;

use crate::event_values::{aggregate_uuid, label, require_row};
use crate::feed::FeedEvent;
use crate::projector::{decode, ProjectionError, Projector};

/// The projector's name: its checkpoint's key, and how a read names the
/// projector it waits for.
pub const NAME: &str = "directory";

/// Projects the directory.
#[derive(Debug, Clone, Copy, Default)]
pub struct DirectoryProjector;

#[async_trait]
impl Projector for DirectoryProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        // 2: tenant_timezones; 3: directory_users.email.
        3
    }

    fn schema_sql(&self) -> &'static str {
        include_str!("tables.sql")
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &[Tenant::TYPE, User::TYPE, TenantSettings::TYPE]
    }

    async fn project(
        &self,
        conn: &mut PgConnection,
        event: &FeedEvent,
    ) -> Result<(), ProjectionError> {
        if event.aggregate_type == Tenant::TYPE {
            project_tenant(conn, event, decode(event)?).await
        } else if event.aggregate_type == TenantSettings::TYPE {
            project_settings(conn, event, decode(event)?).await
        } else {
            project_user(conn, event, decode(event)?).await
        }
    }
}

async fn project_tenant(
    conn: &mut PgConnection,
    event: &FeedEvent,
    payload: TenantEvent,
) -> Result<(), ProjectionError> {
    let result = match payload {
        TenantEvent::TenantCreated { name, policy, .. } => {
            sqlx::query(
                "INSERT INTO directory_tenants (tenant_id, name, enrollment, approval_routing,
                     created_at, updated_at, version)
                 VALUES ($1, $2, $3, $4, $5, $5, $6)",
            )
            .bind(event.tenant_id)
            .bind(name)
            .bind(label(&policy.enrollment))
            .bind(label(&policy.approval_routing))
            .bind(event.recorded_at)
            .bind(event.sequence)
            .execute(&mut *conn)
            .await?
        }
        TenantEvent::DirectoryConfigured { policy, .. } => {
            sqlx::query(
                "UPDATE directory_tenants SET enrollment = $2, approval_routing = $3,
                     updated_at = $4, version = $5
                 WHERE tenant_id = $1",
            )
            .bind(event.tenant_id)
            .bind(label(&policy.enrollment))
            .bind(label(&policy.approval_routing))
            .bind(event.recorded_at)
            .bind(event.sequence)
            .execute(&mut *conn)
            .await?
        }
        // The roster of admins is the write side's guard; the users' roles
        // show who is admin. Only the tenant's version moves.
        TenantEvent::AdminAppointed { .. } | TenantEvent::AdminDismissed { .. } => {
            sqlx::query(
                "UPDATE directory_tenants SET updated_at = $2, version = $3
                     WHERE tenant_id = $1",
            )
            .bind(event.tenant_id)
            .bind(event.recorded_at)
            .bind(event.sequence)
            .execute(&mut *conn)
            .await?
        }
    };
    require_row(result, event)
}

/// Files a tenant's timezone; the other settings are the write side's alone.
async fn project_settings(
    conn: &mut PgConnection,
    event: &FeedEvent,
    payload: SettingsEvent,
) -> Result<(), ProjectionError> {
    let SettingsEvent::TimezoneConfigured { timezone, .. } = payload else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO tenant_timezones (tenant_id, timezone, updated_at, version)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id) DO UPDATE
         SET timezone = excluded.timezone, updated_at = excluded.updated_at,
             version = excluded.version",
    )
    .bind(event.tenant_id)
    .bind(timezone)
    .bind(event.recorded_at)
    .bind(event.sequence)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn role_labels(roles: &[Role]) -> Vec<String> {
    roles.iter().map(label).collect()
}

/// Files one user event: an insert for an invitation or an enrollment, else an
/// update of the user's row ([`update_user`]).
async fn project_user(
    conn: &mut PgConnection,
    event: &FeedEvent,
    payload: UserEvent,
) -> Result<(), ProjectionError> {
    let user = aggregate_uuid(event)?;
    let (subject, status, roles, manager, cost_center, email, joined_by) = match payload {
        UserEvent::UserInvited {
            subject,
            roles,
            manager,
            cost_center,
            email,
            ..
        } => (
            subject,
            "INVITED",
            roles,
            manager,
            cost_center,
            email,
            "INVITATION",
        ),
        UserEvent::UserEnrolled { subject, roles, .. } => {
            (subject, "ACTIVE", roles, None, None, None, "FIRST_SIGHT")
        }
        change => return update_user(conn, event, user, change).await,
    };
    sqlx::query(
        "INSERT INTO directory_users (tenant_id, subject, user_id, status, roles, manager,
             cost_center, email, joined_by, created_at, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)",
    )
    .bind(event.tenant_id)
    .bind(&subject.0)
    .bind(user)
    .bind(status)
    .bind(role_labels(&roles))
    .bind(manager.map(|m| m.0))
    .bind(cost_center)
    .bind(email)
    .bind(joined_by)
    .bind(event.recorded_at)
    .bind(event.sequence)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn update_user(
    conn: &mut PgConnection,
    event: &FeedEvent,
    user: uuid::Uuid,
    change: UserEvent,
) -> Result<(), ProjectionError> {
    // $1 tenant, $2 user, $3 event time, $4 sequence; $5 the changed value.
    let statement = |sql: &'static str| {
        sqlx::query(sql)
            .bind(event.tenant_id)
            .bind(user)
            .bind(event.recorded_at)
            .bind(event.sequence)
    };
    let query = match change {
        UserEvent::UserActivated {} | UserEvent::UserReactivated {} => statement(
            "UPDATE directory_users SET status = 'ACTIVE', deactivation_reason = NULL,
                 updated_at = $3, version = $4 WHERE tenant_id = $1 AND user_id = $2",
        ),
        UserEvent::UserDeactivated { reason } => statement(
            "UPDATE directory_users SET status = 'DEACTIVATED', deactivation_reason = $5,
                 updated_at = $3, version = $4 WHERE tenant_id = $1 AND user_id = $2",
        )
        .bind(reason),
        UserEvent::UserRolesAssigned { roles } => statement(
            "UPDATE directory_users SET roles = $5, updated_at = $3, version = $4
             WHERE tenant_id = $1 AND user_id = $2",
        )
        .bind(role_labels(&roles)),
        UserEvent::UserManagerSet { manager } => statement(
            "UPDATE directory_users SET manager = $5, updated_at = $3, version = $4
             WHERE tenant_id = $1 AND user_id = $2",
        )
        .bind(manager.map(|m| m.0)),
        UserEvent::UserCostCenterSet { cost_center } => statement(
            "UPDATE directory_users SET cost_center = $5, updated_at = $3, version = $4
             WHERE tenant_id = $1 AND user_id = $2",
        )
        .bind(cost_center),
        UserEvent::UserEmailSet { email } => statement(
            "UPDATE directory_users SET email = $5, updated_at = $3, version = $4
             WHERE tenant_id = $1 AND user_id = $2",
        )
        .bind(email),
        UserEvent::UserPersonalDataErased { .. } => statement(
            "UPDATE directory_users SET email = NULL, personal_data_erased = true,
                 updated_at = $3, version = $4 WHERE tenant_id = $1 AND user_id = $2",
        ),
        UserEvent::UserInvited { .. } | UserEvent::UserEnrolled { .. } => {
            return Err(ProjectionError::decode(event, "a user's first event again"));
        }
    };
    require_row(query.execute(&mut *conn).await?, event)
}
