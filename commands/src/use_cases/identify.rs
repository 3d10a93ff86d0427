//! Who a verified token may act as in its tenant ([`UseCases::identify`]),
//! decided from the `Tenant` and `User` aggregates themselves, never from the
//! directory's read model: a deactivation or a demotion applies to the very
//! next request, however far behind the projector is.

use folio_domain::directory::TenantError;
use folio_domain::directory::{
    user_aggregate_id, DirectoryPolicy, Enrollment, Role, Tenant, User, UserCommand, UserError,
    UserStatus,
};
use folio_domain::ids::UserId;
use folio_domain::{Coded, ErrorCode};

use super::{current, derived_id, run, UseCases};
use crate::access::Caller;
use crate::context::CommandContext;
use crate::error::CommandError;
use crate::runner::Request;

/// Why a verified token may not act in its tenant.
#[derive(Debug, thiserror::Error)]
pub enum IdentifyError {
    /// The directory was set to invitations only and does not know the subject.
    #[error("{0} is not in this tenant's directory; an admin must invite them")]
    NotAMember(UserId),
    /// The subject was deactivated.
    #[error("{0} was deactivated in this tenant's directory")]
    Deactivated(UserId),
    /// The directory could not be read, or a first sight not recorded.
    #[error(transparent)]
    Directory(#[from] CommandError<UserError>),
    /// A first-sight admin could not be put on the tenant's roster.
    #[error(transparent)]
    Roster(#[from] CommandError<TenantError>),
}

impl Coded for IdentifyError {
    /// Refused subjects are `UNAUTHENTICATED` (this token will not do); a
    /// directory that cannot be read or written says why with its own code.
    fn code(&self) -> ErrorCode {
        match self {
            IdentifyError::NotAMember(_) | IdentifyError::Deactivated(_) => {
                ErrorCode::Unauthenticated
            }
            IdentifyError::Directory(error) => error.code(),
            IdentifyError::Roster(error) => error.code(),
        }
    }
}

/// The roles `token`'s subject acts with, given the directory's: under open
/// enrollment the identity provider's current word counts too (a role it
/// revoked is gone even though the directory copied it at enrollment), so only
/// roles both grant; otherwise the directory's alone.
fn acting_roles(policy: &DirectoryPolicy, token: &Caller, directory: &[Role]) -> Vec<Role> {
    match policy.enrollment {
        Enrollment::Open => directory
            .iter()
            .copied()
            .filter(|role| token.roles.contains(role))
            .collect(),
        Enrollment::InviteOnly => directory.to_vec(),
    }
}

/// The context of a command `token`'s subject causes by being seen: the
/// subject goes into the key as a digest (a subject may have 255 characters,
/// an idempotency key 200).
fn first_sight(token: &Caller, step: &str) -> CommandContext {
    let subject = derived_id(token.tenant_id, "subject", &token.user.0);
    CommandContext::new(token.clone(), format!("directory/{step}/{subject}"))
}

impl UseCases {
    /// The caller a verified token may act as. A tenant without a directory
    /// trusts the token as it is; with one, the subject must be an active (or
    /// invited: this activates them) member, or join on first sight when
    /// enrollment is open. They act with the directory's roles; under open
    /// enrollment, only those their current token carries too.
    pub async fn sign_in(&self, token: Caller) -> Result<Caller, IdentifyError> {
        let tenant: Tenant = current(self.stores.tenants.as_ref(), &token.tenant_id.to_string())
            .await
            .map_err(IdentifyError::Directory)?;
        if tenant.tenant_id.is_none() {
            return Ok(token);
        }
        let user = self
            .directory_user::<UserError>(token.tenant_id, &token.user)
            .await?;
        match user.status {
            UserStatus::Unknown if tenant.policy.enrollment == Enrollment::Open => {
                self.enroll(&tenant, token).await
            }
            UserStatus::Unknown => Err(IdentifyError::NotAMember(token.user)),
            _ => self.admit(&tenant, token, &user).await,
        }
    }

    /// A known member's request: refused if deactivated, the first one of an
    /// invited user activates them.
    async fn admit(
        &self,
        tenant: &Tenant,
        token: Caller,
        user: &User,
    ) -> Result<Caller, IdentifyError> {
        match user.status {
            UserStatus::Deactivated | UserStatus::Unknown => {
                return Err(IdentifyError::Deactivated(token.user));
            }
            UserStatus::Invited => {
                run!(
                    self,
                    self.stores.users.as_ref(),
                    &first_sight(&token, "activate"),
                    "ActivateUser",
                    user_aggregate_id(token.tenant_id, &token.user),
                    &(),
                    None,
                    |_| UserCommand::Activate
                )?;
            }
            UserStatus::Active => {}
        }
        let roles = acting_roles(&tenant.policy, &token, &user.roles);
        Ok(Caller::new(token.tenant_id, token.user, roles))
    }

    /// A subject's first request under open enrollment: they join with their
    /// token's roles (an admin among them goes on the roster).
    async fn enroll(&self, tenant: &Tenant, token: Caller) -> Result<Caller, IdentifyError> {
        let id = user_aggregate_id(token.tenant_id, &token.user);
        let enrolled = run!(
            self,
            self.stores.users.as_ref(),
            &first_sight(&token, "enroll"),
            "EnrollUser",
            id,
            &token.roles,
            None,
            |_| UserCommand::Enroll {
                tenant_id: token.tenant_id,
                subject: token.user.clone(),
                roles: token.roles.clone(),
            }
        );
        match enrolled {
            Ok(_) => {}
            // A concurrent first request enrolled them under another key: what
            // it recorded decides, not this token.
            Err(CommandError::Rejected(UserError::AlreadyExists)) => {
                let user = self
                    .directory_user::<UserError>(token.tenant_id, &token.user)
                    .await?;
                return self.admit(tenant, token, &user).await;
            }
            Err(error) => return Err(error.into()),
        }
        if token.roles.contains(&Role::Admin) {
            self.appoint_admin(&first_sight(&token, "appoint"), &token.user)
                .await?;
        }
        let roles = Role::normalized(&token.roles);
        Ok(Caller::new(token.tenant_id, token.user, roles))
    }
}
