//! The tenant and user directory: an operator creates a tenant, its admins invite,
//! update, deactivate and reactivate users, and every request is checked against
//! it ([`UseCases::sign_in`]): a deactivated user is refused whatever token they
//! bring, an unknown subject joins on first sight or is refused as the tenant's
//! policy says, and the directory decides the roles.
//!
//! Who may act is decided in `identify.rs`, from the aggregates. Changes to a
//! user's admin rights keep the tenant's roster of admins (`admins.rs`), so the
//! last admin cannot be removed.

use folio_domain::directory::{
    user_aggregate_id, DirectoryPolicy, Role, TenantCommand, TenantError, User, UserCommand,
    UserError, UserStatus,
};
use folio_domain::ids::{TenantId, UserId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::admins::holds_admin;
use super::{current, run, UseCases};
use crate::access::Action;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
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
    /// Where Folio e-mails them (expenses waiting for them, decisions on
    /// theirs), if anywhere.
    #[serde(default)]
    pub email: Option<String>,
}

/// Change a user's roles, manager, cost center or e-mail address. An absent
/// field is left as it is; `clear_manager` / `clear_cost_center` /
/// `clear_email` remove them.
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
    /// New e-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Remove the e-mail address.
    #[serde(default)]
    pub clear_email: bool,
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
        let outcome = run!(
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
                email: input.email.clone(),
            }
        )?;
        if input.roles.contains(&Role::Admin) {
            self.appoint_after(ctx, &input.subject).await?;
        }
        Ok(outcome)
    }

    /// Changes a user's roles, manager, cost center or e-mail address.
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
        let update = UserCommand::Update {
            roles: input.roles.clone(),
            manager: change(&input.manager, input.clear_manager),
            cost_center: change(&input.cost_center, input.clear_cost_center),
            email: change(&input.email, input.clear_email),
        };
        let user = self.directory_user(ctx.tenant_id(), &subject).await?;
        let admin_after = input
            .roles
            .as_ref()
            .map(|roles| roles.contains(&Role::Admin));
        if holds_admin(&user) && admin_after == Some(false) {
            self.dismiss_before(ctx, &user, &subject, &update).await?;
        }
        let outcome = run!(
            self,
            self.stores.users.as_ref(),
            ctx,
            "UpdateUser",
            user_aggregate_id(ctx.tenant_id(), &subject),
            &(&subject, &input),
            None,
            |_| update.clone()
        )?;
        if admin_after == Some(true) && user.status != UserStatus::Deactivated {
            self.appoint_after(ctx, &subject).await?;
        }
        Ok(outcome)
    }

    /// Deactivates a user: their next request is refused, whatever their token.
    pub async fn deactivate_user(
        &self,
        ctx: &CommandContext,
        subject: UserId,
        reason: String,
    ) -> Result<CommandOutcome, CommandError<UserError>> {
        ctx.caller.require(Action::ManageDirectory)?;
        let deactivate = UserCommand::Deactivate {
            reason: reason.clone(),
        };
        let user = self.directory_user(ctx.tenant_id(), &subject).await?;
        if holds_admin(&user) {
            self.dismiss_before(ctx, &user, &subject, &deactivate)
                .await?;
        }
        run!(
            self,
            self.stores.users.as_ref(),
            ctx,
            "DeactivateUser",
            user_aggregate_id(ctx.tenant_id(), &subject),
            &(&subject, &reason),
            None,
            |_| deactivate.clone()
        )
    }

    /// Lets a deactivated user act again.
    pub async fn reactivate_user(
        &self,
        ctx: &CommandContext,
        subject: UserId,
    ) -> Result<CommandOutcome, CommandError<UserError>> {
        ctx.caller.require(Action::ManageDirectory)?;
        let outcome = run!(
            self,
            self.stores.users.as_ref(),
            ctx,
            "ReactivateUser",
            user_aggregate_id(ctx.tenant_id(), &subject),
            &subject,
            None,
            |_| UserCommand::Reactivate
        )?;
        let user = self.directory_user(ctx.tenant_id(), &subject).await?;
        if holds_admin(&user) {
            self.appoint_after(ctx, &subject).await?;
        }
        Ok(outcome)
    }

    /// Erases a user's personal data (GDPR art. 17): the store destroys the
    /// key their e-mail address was sealed with, so it reads as none
    /// everywhere, history included, and the outbox forgets it. The user stays
    /// in the directory. Erasing again changes nothing.
    pub async fn erase_user_personal_data(
        &self,
        ctx: &CommandContext,
        subject: UserId,
        reason: String,
    ) -> Result<CommandOutcome, CommandError<UserError>> {
        ctx.caller.require(Action::ErasePersonalData)?;
        run!(
            self,
            self.stores.users.as_ref(),
            ctx,
            "EraseUserPersonalData",
            user_aggregate_id(ctx.tenant_id(), &subject),
            &(&subject, &reason),
            None,
            |_| UserCommand::ErasePersonalData {
                reason: reason.clone()
            }
        )
    }

    /// The directory entry of `subject` in `tenant_id` as the store holds it
    /// now, its e-mail address opened: what the mail sender writes to. A
    /// system read, asked by the sender, not by a user.
    pub async fn directory_entry(
        &self,
        tenant_id: TenantId,
        subject: &UserId,
    ) -> Result<User, CommandError<UserError>> {
        self.directory_user(tenant_id, subject).await
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

    pub(super) async fn require_tenant_directory(
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
