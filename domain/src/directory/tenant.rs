//! The [`Tenant`] aggregate: a tenant as an operator created it, and its
//! directory policy (aggregate id = the tenant id).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::DirectoryPolicy;
use crate::aggregate::{cqrs_aggregate, domain_event, Decide, TenantOwned};
use crate::error_code::{Coded, ErrorCode};
use crate::ids::TenantId;

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
        /// The tenant.
        tenant_id: TenantId,
        /// The policy from now on.
        policy: DirectoryPolicy,
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
        /// The tenant.
        tenant_id: TenantId,
        /// Its name.
        name: String,
        /// Its directory policy.
        policy: DirectoryPolicy,
    },
    /// The directory policy changed.
    DirectoryConfigured {
        /// The tenant.
        tenant_id: TenantId,
        /// The policy now in force.
        policy: DirectoryPolicy,
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
}

impl Coded for TenantError {
    fn code(&self) -> ErrorCode {
        match self {
            TenantError::AlreadyExists => ErrorCode::Conflict,
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
