//! The [`Tenant`] aggregate: a tenant as an operator created it, its directory
//! policy, and its roster of admins (aggregate id = the tenant id).
//!
//! The roster is what keeps a tenant from losing its last admin: each user is
//! an aggregate of their own, so no user knows how many admins there are. Every
//! change that gives a user admin rights appoints them here after it, and every
//! change that takes them away (demotion, deactivation) dismisses them here
//! first, which is refused for the last one. A roster that missed an
//! appointment (a failure between the two steps, or a tenant created before the
//! roster existed) holds too few admins: it refuses more, never less, and an
//! operator appoints with `folio tenant grant-admin`.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::DirectoryPolicy;
use crate::aggregate::{cqrs_aggregate, domain_event, Decide, TenantOwned};
use crate::error_code::{Coded, ErrorCode};
use crate::ids::{TenantId, UserId};

/// Longest tenant name, in characters.
const MAX_NAME_LEN: usize = 200;

/// A command to a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TenantCommand {
    /// Create the tenant (an operator's act), which gives it a directory.
    Create {
        /// The new tenant's id.
        tenant_id: TenantId,
        /// Its name, as people know it.
        name: String,
        /// How people join and how approvals are routed.
        policy: DirectoryPolicy,
    },
    /// Change the directory policy.
    ConfigureDirectory {
        /// The tenant whose directory this is (the caller's).
        tenant_id: TenantId,
        /// The policy from now on.
        policy: DirectoryPolicy,
    },
    /// Record that a user now holds admin rights (after the user's change).
    AppointAdmin {
        /// The tenant whose directory this is (the caller's).
        tenant_id: TenantId,
        /// The user's token subject.
        subject: UserId,
    },
    /// Record that a user is about to lose admin rights (before the user's
    /// change): refused for the last admin.
    DismissAdmin {
        /// The tenant whose directory this is (the caller's).
        tenant_id: TenantId,
        /// The user's token subject.
        subject: UserId,
    },
}

/// An event of a tenant.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
pub enum TenantEvent {
    /// The tenant was created; from now on its directory decides who may act.
    TenantCreated {
        /// The tenant created; its id is the aggregate's.
        tenant_id: TenantId,
        /// Its name.
        name: String,
        /// Its directory policy.
        policy: DirectoryPolicy,
    },
    /// The directory policy changed.
    DirectoryConfigured {
        /// The tenant whose directory this is; every tenant event repeats it.
        tenant_id: TenantId,
        /// The policy now in force.
        policy: DirectoryPolicy,
    },
    /// A user of the tenant holds admin rights.
    AdminAppointed {
        /// The tenant whose directory this is; every tenant event repeats it.
        tenant_id: TenantId,
        /// The user's token subject.
        subject: UserId,
    },
    /// A user of the tenant no longer holds admin rights.
    AdminDismissed {
        /// The tenant whose directory this is; every tenant event repeats it.
        tenant_id: TenantId,
        /// The user's token subject.
        subject: UserId,
    },
}

domain_event!(TenantEvent);

/// A refused tenant command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum TenantError {
    /// The tenant was created before.
    #[error("this tenant already exists")]
    AlreadyExists,
    /// The tenant was never created (or is another's).
    #[error("tenant not found: an operator creates it first (folio tenant create)")]
    NotFound,
    /// The name is empty or too long.
    #[error("a tenant needs a name of 1 to {MAX_NAME_LEN} characters")]
    InvalidName,
    /// The user is the tenant's only admin.
    #[error("{0} is this tenant's last admin: make another user admin first")]
    LastAdmin(UserId),
}

impl Coded for TenantError {
    fn code(&self) -> ErrorCode {
        match self {
            TenantError::AlreadyExists | TenantError::LastAdmin(_) => ErrorCode::Conflict,
            TenantError::NotFound => ErrorCode::NotFound,
            TenantError::InvalidName => ErrorCode::Validation,
        }
    }
}

/// A tenant with a directory.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Tenant {
    /// The tenant, once created.
    pub tenant_id: Option<TenantId>,
    /// Its name.
    pub name: String,
    /// Its directory policy in force.
    pub policy: DirectoryPolicy,
    /// The users holding admin rights, as far as they were appointed here.
    #[serde(default)]
    pub admins: BTreeSet<UserId>,
}

impl Tenant {
    /// Folds one event into the state.
    pub fn fold(&mut self, event: TenantEvent) {
        match event {
            TenantEvent::TenantCreated {
                tenant_id,
                name,
                policy,
            } => {
                self.tenant_id = Some(tenant_id);
                self.name = name;
                self.policy = policy;
            }
            TenantEvent::DirectoryConfigured { policy, .. } => self.policy = policy,
            TenantEvent::AdminAppointed { subject, .. } => {
                self.admins.insert(subject);
            }
            TenantEvent::AdminDismissed { subject, .. } => {
                self.admins.remove(&subject);
            }
        }
    }
}

impl Decide for Tenant {
    fn decide(&self, command: TenantCommand) -> Result<Vec<TenantEvent>, TenantError> {
        match command {
            TenantCommand::Create {
                tenant_id,
                name,
                policy,
            } => {
                if self.tenant_id.is_some() {
                    return Err(TenantError::AlreadyExists);
                }
                let name = name.trim().to_owned();
                if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
                    return Err(TenantError::InvalidName);
                }
                Ok(vec![TenantEvent::TenantCreated {
                    tenant_id,
                    name,
                    policy,
                }])
            }
            TenantCommand::ConfigureDirectory { tenant_id, policy } => {
                if self.tenant_id != Some(tenant_id) {
                    return Err(TenantError::NotFound);
                }
                if policy == self.policy {
                    return Ok(vec![]);
                }
                Ok(vec![TenantEvent::DirectoryConfigured { tenant_id, policy }])
            }
            TenantCommand::AppointAdmin { tenant_id, subject } => {
                if self.tenant_id != Some(tenant_id) {
                    return Err(TenantError::NotFound);
                }
                if self.admins.contains(&subject) {
                    return Ok(vec![]);
                }
                Ok(vec![TenantEvent::AdminAppointed { tenant_id, subject }])
            }
            TenantCommand::DismissAdmin { tenant_id, subject } => {
                if self.tenant_id != Some(tenant_id) {
                    return Err(TenantError::NotFound);
                }
                if !self.admins.contains(&subject) {
                    return Ok(vec![]);
                }
                if self.admins.len() == 1 {
                    return Err(TenantError::LastAdmin(subject));
                }
                Ok(vec![TenantEvent::AdminDismissed { tenant_id, subject }])
            }
        }
    }
}

impl TenantOwned for Tenant {
    fn tenant(&self) -> Option<TenantId> {
        self.tenant_id
    }
}

cqrs_aggregate!(
    Tenant,
    type = "Tenant",
    command = TenantCommand,
    event = TenantEvent,
    error = TenantError
);
