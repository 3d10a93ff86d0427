//! The tenant and user directory: an operator creates a tenant, its admins invite,
//! update, deactivate and reactivate users, and every request is checked against
//! it ([`UseCases::identify`]): a deactivated user is refused whatever token they
//! bring, an unknown subject joins on first sight or is refused as the tenant's
//! policy says, and the directory's roles replace the token's.

use folio_domain::directory::{
    user_aggregate_id, DirectoryPolicy, Enrollment, Role, TenantCommand, TenantError, User,
    UserCommand, UserError, UserStatus,
};
use folio_domain::ids::{TenantId, UserId};
use folio_domain::{Coded, ErrorCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{current, derived_id, run, UseCases};
use crate::access::{Action, Caller};
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::ports::DirectoryStanding;
use crate::runner::Request;

/// Invite a subject into the caller's tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InviteUser {
    /// The token subject they will sign in as.
    pub subject: UserId,
    /// The roles they will hold.
    pub roles: Vec<Role>,
    /// Their manager (a member of the directory), if any.
    pub manager: Option<UserId>,
    /// Their cost center, if any.
    pub cost_center: Option<String>,
}

/// Change a user's roles, manager or cost center. An absent field is left as it
/// is; `clear_manager` / `clear_cost_center` remove them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct UpdateUser {
    /// New roles.
    pub roles: Option<Vec<Role>>,
    /// New manager.
    pub manager: Option<UserId>,
    /// Remove the manager.
    #[serde(default)]
    pub clear_manager: bool,
    /// New cost center.
    pub cost_center: Option<String>,
    /// Remove the cost center.
    #[serde(default)]
    pub clear_cost_center: bool,
}

/// Why a verified token may not act in its tenant.
#[derive(Debug, thiserror::Error)]
pub enum IdentifyError {
    /// The directory was set to invitations only and does not know the subject.
    #[error("{0} is not in this tenant's directory; an admin must invite them")]
    NotAMember(UserId),
    /// The subject was deactivated.
    #[error("{0} was deactivated in this tenant's directory")]
    Deactivated(UserId),
    /// The directory could not be read.
    #[error("the directory cannot be read; retry shortly")]
    Unavailable(#[source] crate::ports::LookupError),
    /// Recording the first sight failed.
    #[error(transparent)]
    FirstSight(#[from] CommandError<UserError>),
}

impl Coded for IdentifyError {
    /// Refused subjects are `UNAUTHENTICATED` (this token will not do), an
    /// unreadable directory `UNAVAILABLE`.
    fn code(&self) -> ErrorCode {
        match self {
            IdentifyError::NotAMember(_) | IdentifyError::Deactivated(_) => {
                ErrorCode::Unauthenticated
            }
            IdentifyError::Unavailable(_) => ErrorCode::Unavailable,
            IdentifyError::FirstSight(error) => error.code(),
        }
    }
}

/// An optional field of [`UpdateUser`] as the domain's `Update` takes it: a new
/// value wins, else `clear` removes it (`Some(None)`), else it is unchanged.
fn change<T: Clone>(value: &Option<T>, clear: bool) -> Option<Option<T>> {
    match (value, clear) {
        (Some(value), _) => Some(Some(value.clone())),
        (None, true) => Some(None),
        (None, false) => None,
    }
}

impl UseCases {
    /// The caller a verified token may act as. A tenant without a directory
    /// trusts the token as it is; with one, the subject must be an active (or
    /// invited: this activates them) member, or join on first sight when
    /// enrollment is open, and acts with the directory's roles.
    pub async fn identify(&self, token: Caller) -> Result<Caller, IdentifyError> {
        let standing = self
            .directory
            .standing(token.tenant_id, &token.user)
            .await
            .map_err(IdentifyError::Unavailable)?;
        let Some(DirectoryStanding { enrollment, member }) = standing else {
            return Ok(token);
        };
        // The subject goes into the key as a digest: a subject may have 255
        // characters, an idempotency key at most 200.
        let subject = derived_id(token.tenant_id, "subject", &token.user.0);
        let first_sight =
            |key: &str| CommandContext::new(token.clone(), format!("directory/{key}/{subject}"));
        let id = user_aggregate_id(token.tenant_id, &token.user);
        match member {
            Some(member) => {
                match member.status {
                    UserStatus::Deactivated => {
                        return Err(IdentifyError::Deactivated(token.user));
                    }
                    UserStatus::Invited => {
                        run!(
                            self,
                            self.stores.users.as_ref(),
                            &first_sight("activate"),
                            "ActivateUser",
                            id,
                            &(),
                            None,
                            |_| UserCommand::Activate
                        )?;
                    }
                    UserStatus::Active | UserStatus::Unknown => {}
                }
                Ok(Caller::new(token.tenant_id, token.user, member.roles))
            }
            None if enrollment == Enrollment::Open => {
                let ctx = first_sight("enroll");
                let enrolled = run!(
                    self,
                    self.stores.users.as_ref(),
                    &ctx,
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
                    // A concurrent first request enrolled them under another key.
                    Ok(_) | Err(CommandError::Rejected(UserError::AlreadyExists)) => Ok(token),
                    Err(error) => Err(error.into()),
                }
            }
            None => Err(IdentifyError::NotAMember(token.user)),
        }
    }

    /// Creates the caller's tenant with its directory (an operator's act: the CLI
    /// calls it with an admin of the new tenant).
    pub async fn create_tenant(
        &self,
        ctx: &CommandContext,
        name: String,
        policy: DirectoryPolicy,
    ) -> Result<CommandOutcome, CommandError<TenantError>> {
        ctx.caller.require(Action::ManageDirectory)?;
        run!(
            self,
            self.stores.tenants.as_ref(),
            ctx,
            "CreateTenant",
            ctx.tenant_id(),
            &(&name, &policy),
            None,
            |_| TenantCommand::Create {
                tenant_id: ctx.tenant_id(),
                name: name.clone(),
                policy,
            }
        )
    }

    /// Changes how the tenant's directory admits people and routes approvals.
    pub async fn configure_directory(
        &self,
        ctx: &CommandContext,
        policy: DirectoryPolicy,
    ) -> Result<CommandOutcome, CommandError<TenantError>> {
        ctx.caller.require(Action::ManageDirectory)?;
        run!(
            self,
            self.stores.tenants.as_ref(),
            ctx,
            "ConfigureDirectory",
            ctx.tenant_id(),
            &policy,
            None,
            |_| TenantCommand::ConfigureDirectory {
                tenant_id: ctx.tenant_id(),
                policy,
            }
        )
    }

    /// Invites a subject; they become active with their first request.
    pub async fn invite_user(
        &self,
        ctx: &CommandContext,
        input: InviteUser,
    ) -> Result<CommandOutcome, CommandError<UserError>> {
        ctx.caller.require(Action::ManageDirectory)?;
        self.require_tenant_directory(ctx.tenant_id()).await?;
        if let Some(manager) = &input.manager {
            self.require_member(ctx.tenant_id(), manager).await?;
        }
        run!(
            self,
            self.stores.users.as_ref(),
            ctx,
            "InviteUser",
            user_aggregate_id(ctx.tenant_id(), &input.subject),
            &input,
            None,
            |_| UserCommand::Invite {
                tenant_id: ctx.tenant_id(),
                subject: input.subject.clone(),
                roles: input.roles.clone(),
                manager: input.manager.clone(),
                cost_center: input.cost_center.clone(),
            }
        )
    }

    /// Changes a user's roles, manager or cost center.
    pub async fn update_user(
        &self,
        ctx: &CommandContext,
        subject: UserId,
        input: UpdateUser,
    ) -> Result<CommandOutcome, CommandError<UserError>> {
        ctx.caller.require(Action::ManageDirectory)?;
        if let Some(manager) = &input.manager {
            self.require_member(ctx.tenant_id(), manager).await?;
        }
        let manager = change(&input.manager, input.clear_manager);
        let cost_center = change(&input.cost_center, input.clear_cost_center);
        run!(
            self,
            self.stores.users.as_ref(),
            ctx,
            "UpdateUser",
            user_aggregate_id(ctx.tenant_id(), &subject),
            &(&subject, &input),
            None,
            |_| UserCommand::Update {
                roles: input.roles.clone(),
                manager: manager.clone(),
                cost_center: cost_center.clone(),
            }
        )
    }

    /// Deactivates a user: their next request is refused, whatever their token.
    pub async fn deactivate_user(
        &self,
        ctx: &CommandContext,
        subject: UserId,
        reason: String,
    ) -> Result<CommandOutcome, CommandError<UserError>> {
        ctx.caller.require(Action::ManageDirectory)?;
        run!(
            self,
            self.stores.users.as_ref(),
            ctx,
            "DeactivateUser",
            user_aggregate_id(ctx.tenant_id(), &subject),
            &(&subject, &reason),
            None,
            |_| UserCommand::Deactivate {
                reason: reason.clone()
            }
        )
    }

    /// Lets a deactivated user act again.
    pub async fn reactivate_user(
        &self,
        ctx: &CommandContext,
        subject: UserId,
    ) -> Result<CommandOutcome, CommandError<UserError>> {
        ctx.caller.require(Action::ManageDirectory)?;
        run!(
            self,
            self.stores.users.as_ref(),
            ctx,
            "ReactivateUser",
            user_aggregate_id(ctx.tenant_id(), &subject),
            &subject,
            None,
            |_| UserCommand::Reactivate
        )
    }

    /// The directory entry of `subject` in `tenant_id`, straight from the event
    /// store (what decisions need; reads go through the read model).
    pub(super) async fn directory_user<E: std::error::Error>(
        &self,
        tenant_id: TenantId,
        subject: &UserId,
    ) -> Result<User, CommandError<E>> {
        let id = user_aggregate_id(tenant_id, subject);
        current(self.stores.users.as_ref(), &id.to_string()).await
    }

    async fn require_member(
        &self,
        tenant_id: TenantId,
        subject: &UserId,
    ) -> Result<(), CommandError<UserError>> {
        let user: User = self.directory_user(tenant_id, subject).await?;
        if user.status == UserStatus::Unknown {
            return Err(CommandError::Rejected(UserError::UnknownManager(
                subject.clone(),
            )));
        }
        Ok(())
    }

    async fn require_tenant_directory(
        &self,
        tenant_id: TenantId,
    ) -> Result<(), CommandError<UserError>> {
        let tenant: folio_domain::directory::Tenant =
            current(self.stores.tenants.as_ref(), &tenant_id.to_string()).await?;
        if tenant.tenant_id.is_none() {
            return Err(CommandError::InvalidRequest(
                TenantError::NotFound.to_string(),
            ));
        }
        Ok(())
    }
}
