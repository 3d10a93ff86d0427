//! The tenant's roster of admins (see `folio_domain::directory::Tenant`): the
//! steps that keep it as the directory changes, and an operator's way to make
//! someone admin when nobody is left who could.
//!
//! A change that takes admin rights away dismisses the user from the roster
//! first (refused for the last admin), then changes the user; one that gives
//! them changes the user first, then appoints. Each step runs under a key
//! derived from the request's, so a retried request repeats none of them.

use folio_domain::directory::{
    user_aggregate_id, Role, TenantCommand, TenantError, User, UserCommand, UserError, UserStatus,
};
use folio_domain::ids::UserId;
use folio_domain::Decide;

use super::{run, step_context, UseCases};
use crate::access::Action;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::runner::Request;

/// Whether a user in this state holds admin rights (an invited admin counts:
/// they can sign in and act).
pub(super) fn holds_admin(user: &User) -> bool {
    matches!(user.status, UserStatus::Invited | UserStatus::Active)
        && user.roles.contains(&Role::Admin)
}

/// The context of a roster step of the request `ctx`.
fn roster_step(ctx: &CommandContext, step: &str) -> CommandContext {
    step_context(ctx, "roster", step)
}

/// A roster refusal as the user use cases report it: the last admin in the
/// user's terms; any other refusal means the request named no directory.
fn as_user_error(error: CommandError<TenantError>) -> CommandError<UserError> {
    error.map_rejection(|rejected| match rejected {
        TenantError::LastAdmin(subject) => CommandError::Rejected(UserError::LastAdmin(subject)),
        other => CommandError::InvalidRequest(other.to_string()),
    })
}

impl UseCases {
    /// Puts `subject` on the tenant's roster of admins (nothing if they are on it).
    pub(super) async fn appoint_admin(
        &self,
        ctx: &CommandContext,
        subject: &UserId,
    ) -> Result<CommandOutcome, CommandError<TenantError>> {
        run!(
            self,
            self.stores.tenants.as_ref(),
            ctx,
            "AppointAdmin",
            ctx.tenant_id(),
            subject,
            None,
            |_| TenantCommand::AppointAdmin {
                tenant_id: ctx.tenant_id(),
                subject: subject.clone(),
            }
        )
    }

    /// Takes `user` off the roster before `change` takes their admin rights
    /// away; refused for the last admin. `change` is checked first, so bad
    /// input is refused before the roster is touched.
    pub(super) async fn dismiss_before(
        &self,
        ctx: &CommandContext,
        user: &User,
        subject: &UserId,
        change: &UserCommand,
    ) -> Result<(), CommandError<UserError>> {
        user.decide(change.clone())
            .map_err(CommandError::Rejected)?;
        let step = roster_step(ctx, "dismiss");
        run!(
            self,
            self.stores.tenants.as_ref(),
            &step,
            "DismissAdmin",
            ctx.tenant_id(),
            subject,
            None,
            |_| TenantCommand::DismissAdmin {
                tenant_id: ctx.tenant_id(),
                subject: subject.clone(),
            }
        )
        .map(drop)
        .map_err(as_user_error)
    }

    /// [`UseCases::appoint_admin`] after a user use case's change.
    pub(super) async fn appoint_after(
        &self,
        ctx: &CommandContext,
        subject: &UserId,
    ) -> Result<(), CommandError<UserError>> {
        self.appoint_admin(&roster_step(ctx, "appoint"), subject)
            .await
            .map(drop)
            .map_err(as_user_error)
    }

    /// Makes `subject` an admin of the caller's tenant whatever their standing
    /// (an operator's act, for a tenant left without an admin): invited if the
    /// directory does not know them, reactivated if deactivated, given the
    /// admin role if they lack it, and put on the roster in any case (which
    /// also repairs a roster that missed them).
    pub async fn grant_admin(
        &self,
        ctx: &CommandContext,
        subject: UserId,
    ) -> Result<CommandOutcome, CommandError<UserError>> {
        ctx.caller.require(Action::ManageDirectory)?;
        self.require_tenant_directory(ctx.tenant_id()).await?;
        let user: User = self.directory_user(ctx.tenant_id(), &subject).await?;
        let id = user_aggregate_id(ctx.tenant_id(), &subject);
        if user.status == UserStatus::Unknown {
            let step = roster_step(ctx, "invite");
            run!(
                self,
                self.stores.users.as_ref(),
                &step,
                "InviteUser",
                id,
                &subject,
                None,
                |_| {
                    UserCommand::Invite {
                        tenant_id: ctx.tenant_id(),
                        subject: subject.clone(),
                        roles: vec![Role::Admin],
                        manager: None,
                        cost_center: None,
                        email: None,
                    }
                }
            )?;
        }
        if user.status == UserStatus::Deactivated {
            let step = roster_step(ctx, "reactivate");
            run!(
                self,
                self.stores.users.as_ref(),
                &step,
                "ReactivateUser",
                id,
                &subject,
                None,
                |_| { UserCommand::Reactivate }
            )?;
        }
        if user.status != UserStatus::Unknown && !user.roles.contains(&Role::Admin) {
            let mut roles = user.roles.clone();
            roles.push(Role::Admin);
            let step = roster_step(ctx, "promote");
            run!(
                self,
                self.stores.users.as_ref(),
                &step,
                "UpdateUser",
                id,
                &roles,
                None,
                |_| {
                    UserCommand::Update {
                        roles: Some(roles.clone()),
                        manager: None,
                        cost_center: None,
                        email: None,
                    }
                }
            )?;
        }
        self.appoint_admin(ctx, &subject)
            .await
            .map_err(as_user_error)
    }
}
