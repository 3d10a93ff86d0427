//! The tenant's directory: its policy and users for admins and auditors, and the
//! admins' mutations (invite, update, deactivate, reactivate, configure).

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use folio_commands::reads::PageRequest;
use folio_commands::{InviteUser, UpdateUser};
use folio_domain::directory::DirectoryPolicy;
use folio_domain::ids::UserId;
use folio_projections::directory::queries::{DirectoryRow, DirectoryUserRow};
use serde::Deserialize;

use super::context::request;
use super::enums::from_stored;
use super::outcome::CommandResult;
use super::paging::{connection, page_weight, List};
use crate::error::read;

/// A Folio role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[graphql(remote = "folio_domain::directory::Role")]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything in the tenant.
    Admin,
    /// Customers, invoices, payments, reimbursements, reports.
    Accountant,
    /// Decides on expenses.
    Approver,
    /// Claims their own expenses.
    Employee,
    /// Reads everything, writes nothing.
    Auditor,
}

/// How subjects the directory does not know are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[graphql(remote = "folio_domain::directory::Enrollment")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Enrollment {
    /// They join on their first request, with their token's roles.
    Open,
    /// They are refused until an admin invites them.
    InviteOnly,
}

/// Who decides on an employee's expense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[graphql(remote = "folio_domain::directory::ApprovalRouting")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApprovalRouting {
    /// Anyone whose role lets them approve.
    AnyApprover,
    /// The employee's manager decides first, any approver after them (any
    /// approver alone when the manager cannot decide or there is none).
    EmployeesManager,
}

/// Where a directory user stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DirectoryUserStatus {
    /// Invited; active from their first request.
    Invited,
    /// Acts with their directory roles.
    Active,
    /// Every request refused.
    Deactivated,
}

/// How a user came into the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JoinedBy {
    /// An admin invited them.
    Invitation,
    /// Their first request, under open enrollment.
    FirstSight,
}

/// The tenant's directory.
#[derive(Debug, Clone, SimpleObject)]
pub struct Directory {
    /// The tenant's name.
    pub name: String,
    /// How unknown subjects are treated.
    pub enrollment: Enrollment,
    /// Who decides on expenses.
    pub approval_routing: ApprovalRouting,
    /// When an operator created the tenant.
    pub created_at: DateTime<Utc>,
}

impl Directory {
    fn from_row(row: DirectoryRow) -> async_graphql::Result<Self> {
        Ok(Directory {
            name: row.name,
            enrollment: from_stored(&row.enrollment)?,
            approval_routing: from_stored(&row.approval_routing)?,
            created_at: row.created_at,
        })
    }
}

/// A user of the tenant's directory, known by their token subject.
#[derive(Debug, Clone)]
pub struct DirectoryUser(DirectoryUserRow);

impl From<DirectoryUserRow> for DirectoryUser {
    fn from(row: DirectoryUserRow) -> Self {
        DirectoryUser(row)
    }
}

/// A user of the tenant's directory, known by their token subject.
#[Object]
impl DirectoryUser {
    /// The token subject (`sub`) they sign in as; also their user id in expenses.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// Invited, active or deactivated.
    async fn status(&self) -> async_graphql::Result<DirectoryUserStatus> {
        from_stored(&self.0.status)
    }
    /// The roles the directory grants them (their token's do not count).
    async fn roles(&self) -> async_graphql::Result<Vec<Role>> {
        self.0
            .roles
            .iter()
            .map(|role| from_stored::<folio_domain::directory::Role>(role).map(Role::from))
            .collect()
    }
    /// Their manager's subject.
    async fn manager(&self) -> Option<&str> {
        self.0.manager.as_deref()
    }
    /// Their cost center.
    async fn cost_center(&self) -> Option<&str> {
        self.0.cost_center.as_deref()
    }
    /// Where Folio e-mails them (expenses waiting for them, decisions on
    /// theirs); null if nowhere, or once erased.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Whether an admin erased their personal data (their e-mail address, in
    /// the history too).
    async fn personal_data_erased(&self) -> bool {
        self.0.personal_data_erased
    }
    /// How they came into the directory.
    async fn joined_by(&self) -> async_graphql::Result<JoinedBy> {
        from_stored(&self.0.joined_by)
    }
    /// Why they are deactivated, while they are.
    async fn deactivation_reason(&self) -> Option<&str> {
        self.0.deactivation_reason.as_deref()
    }
    /// When they joined.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Their directory entry's version: pass it as `expectedVersion`.
    async fn version(&self) -> i64 {
        self.0.version
    }
}

/// The directory policy.
#[derive(Debug, Clone, InputObject)]
pub struct DirectoryPolicyInput {
    /// How unknown subjects are treated.
    pub enrollment: Enrollment,
    /// Who decides on expenses.
    pub approval_routing: ApprovalRouting,
}

/// Whom to invite.
#[derive(Debug, Clone, InputObject)]
pub struct InviteUserInput {
    /// The token subject they will sign in as (1-255 characters).
    pub subject: String,
    /// At least one role.
    pub roles: Vec<Role>,
    /// Their manager's subject (already in the directory).
    pub manager: Option<String>,
    /// Their cost center (1-64 characters).
    pub cost_center: Option<String>,
    /// Where Folio e-mails them: expenses waiting for their decision, and
    /// decisions on their own.
    pub email: Option<String>,
}

/// What to change of a user; absent fields stay as they are.
#[derive(Debug, Clone, InputObject)]
pub struct UpdateUserInput {
    /// Their roles from now on (replacing all).
    pub roles: Option<Vec<Role>>,
    /// Their manager's subject (already in the directory).
    pub manager: Option<String>,
    /// True to remove their manager.
    #[graphql(default)]
    pub clear_manager: bool,
    /// Their cost center.
    pub cost_center: Option<String>,
    /// True to remove their cost center.
    #[graphql(default)]
    pub clear_cost_center: bool,
    /// Their e-mail address.
    pub email: Option<String>,
    /// True to remove their e-mail address.
    #[graphql(default)]
    pub clear_email: bool,
}

fn roles(roles: Vec<Role>) -> Vec<folio_domain::directory::Role> {
    roles.into_iter().map(Into::into).collect()
}

/// The directory queries (admins and auditors).
#[derive(Debug, Default)]
pub struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// The tenant's directory; null when the tenant has none (its tokens are
    /// trusted as they are).
    async fn directory(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A mutation's consistencyToken: wait until this read shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<Option<Directory>> {
        let row = request(ctx)?
            .reads
            .directory(consistency_token.as_deref())
            .await
            .map_err(read)?;
        row.map(Directory::from_row).transpose()
    }

    /// The directory's users by subject.
    #[graphql(complexity = "page_weight(first) * child_complexity")]
    async fn directory_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only users in this status.")] status: Option<DirectoryUserStatus>,
        #[graphql(desc = "Only users reporting to this manager (a subject).")] manager: Option<
            String,
        >,
        #[graphql(desc = "Page size, 20 if not given; at most the server's page limit.")]
        first: Option<i32>,
        #[graphql(desc = "The cursor of the last edge of the previous page.")] after: Option<
            String,
        >,
        #[graphql(desc = "A mutation's consistencyToken: wait until this read shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<List<DirectoryUser>> {
        let status = status.map(|s| match s {
            DirectoryUserStatus::Invited => "INVITED",
            DirectoryUserStatus::Active => "ACTIVE",
            DirectoryUserStatus::Deactivated => "DEACTIVATED",
        });
        let slice = request(ctx)?
            .reads
            .directory_users(
                status,
                manager.as_deref(),
                &PageRequest { first, after },
                consistency_token.as_deref(),
            )
            .await
            .map_err(read)?;
        Ok(connection(slice))
    }

    /// One user by subject; null if the directory does not know them.
    async fn directory_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Their token subject.")] subject: String,
        #[graphql(desc = "A mutation's consistencyToken: wait until this read shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<Option<DirectoryUser>> {
        let row = request(ctx)?
            .reads
            .directory_user(&subject, consistency_token.as_deref())
            .await
            .map_err(read)?;
        Ok(row.map(DirectoryUser))
    }
}

/// The directory mutations (admins).
#[derive(Debug, Default)]
pub struct DirectoryMutation;

#[Object]
impl DirectoryMutation {
    /// Changes how unknown subjects are treated and who decides on expenses.
    async fn configure_directory(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The policy from now on.")] policy: DirectoryPolicyInput,
    ) -> async_graphql::Result<CommandResult> {
        let policy = DirectoryPolicy {
            enrollment: policy.enrollment.into(),
            approval_routing: policy.approval_routing.into(),
        };
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.configure_directory(&c, policy)
        })
    }

    /// Invites a subject with roles; they become active with their first request.
    async fn invite_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(desc = "Who, with which roles, manager and cost center.")] input: InviteUserInput,
    ) -> async_graphql::Result<CommandResult> {
        let input = InviteUser {
            subject: UserId::new(input.subject),
            roles: roles(input.roles),
            manager: input.manager.map(UserId::new),
            cost_center: input.cost_center,
            email: input.email,
        };
        command!(ctx, idempotency_key, None, |use_cases, c| {
            use_cases.invite_user(&c, input)
        })
    }

    /// Changes a user's roles, manager, cost center or e-mail address; applies
    /// to their next request. Taking admin from the tenant's last admin is refused with
    /// CONFLICT.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "Their token subject.")] subject: String,
        #[graphql(desc = "What changes.")] input: UpdateUserInput,
    ) -> async_graphql::Result<CommandResult> {
        let input = UpdateUser {
            roles: input.roles.map(roles),
            manager: input.manager.map(UserId::new),
            clear_manager: input.clear_manager,
            cost_center: input.cost_center,
            clear_cost_center: input.clear_cost_center,
            email: input.email,
            clear_email: input.clear_email,
        };
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.update_user(&c, UserId::new(subject), input)
        })
    }

    /// Deactivates a user: their next request, with any token, is refused as
    /// UNAUTHENTICATED (requests are checked against the user's own record,
    /// not the directory's read model). Refused with CONFLICT for the tenant's
    /// last admin.
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(desc = "Their token subject.")] subject: String,
        #[graphql(desc = "Why (kept for the auditors).")] reason: String,
    ) -> async_graphql::Result<CommandResult> {
        command!(ctx, idempotency_key, None, |use_cases, c| {
            use_cases.deactivate_user(&c, UserId::new(subject), reason)
        })
    }

    /// Erases a user's personal data (GDPR art. 17): their e-mail address
    /// reads as none everywhere from now on, history and outbox included. They
    /// stay in the directory. Erasing again changes nothing.
    async fn erase_user_personal_data(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(desc = "Their token subject.")] subject: String,
        #[graphql(desc = "Why (e.g. the data-subject request's reference).")] reason: String,
    ) -> async_graphql::Result<CommandResult> {
        command!(ctx, idempotency_key, None, |use_cases, c| {
            use_cases.erase_user_personal_data(&c, UserId::new(subject), reason)
        })
    }

    /// Lets a deactivated user act again.
    async fn reactivate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(desc = "Their token subject.")] subject: String,
    ) -> async_graphql::Result<CommandResult> {
        command!(ctx, idempotency_key, None, |use_cases, c| {
            use_cases.reactivate_user(&c, UserId::new(subject))
        })
    }
}
