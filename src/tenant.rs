//! `folio tenant`: an operator creates a tenant with its directory and first
//! admin, and makes someone admin again when a tenant has none left who can
//! act. Otherwise the directory decides who may act in the tenant; admins
//! manage it over GraphQL.

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use folio::wiring::App;
use folio_commands::{Caller, CommandContext, InviteUser, Role};
use folio_domain::directory::{ApprovalRouting, DirectoryPolicy, Enrollment};
use folio_domain::ids::{TenantId, UserId};

/// What `folio tenant` does.
#[derive(Debug, Subcommand)]
pub enum TenantAction {
    /// Create a tenant with a directory and invite its first admin; prints the
    /// tenant's id. Creating a tenant that exists is refused and changes nothing.
    Create {
        /// How people call the tenant (1-200 characters; not unique).
        #[arg(long)]
        name: String,
        /// Its id (a new one if not given).
        #[arg(long)]
        tenant_id: Option<uuid::Uuid>,
        /// The token subject of its first admin.
        #[arg(long)]
        admin: String,
        /// How subjects the directory does not know are treated.
        #[arg(long, value_enum, default_value_t = EnrollmentArg::InviteOnly)]
        enrollment: EnrollmentArg,
        /// Who decides on an employee's expense.
        #[arg(long, value_enum, default_value_t = RoutingArg::AnyApprover)]
        approval_routing: RoutingArg,
        /// Who asks (recorded as the events' actor).
        #[arg(long, env = "USER", default_value = "operator")]
        by: String,
    },
    /// Make a user admin of a tenant whatever their standing: invited if the
    /// directory does not know them, reactivated if deactivated, given the
    /// admin role, and put on the tenant's roster of admins.
    GrantAdmin {
        /// The tenant to grant admin in (its id).
        #[arg(long)]
        tenant: uuid::Uuid,
        /// The token subject of the user.
        #[arg(long)]
        subject: String,
        /// Who asks (recorded as the events' actor).
        #[arg(long, env = "USER", default_value = "operator")]
        by: String,
    },
}

/// `--enrollment`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EnrollmentArg {
    /// Unknown subjects join on first sight with their token's roles.
    Open,
    /// Unknown subjects are refused until invited.
    InviteOnly,
}

/// `--approval-routing`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoutingArg {
    /// Anyone whose role lets them approve.
    AnyApprover,
    /// Only the employee's manager.
    EmployeesManager,
}

/// Runs `action` against `backend`.
pub async fn run(backend: &App, action: TenantAction) -> anyhow::Result<()> {
    match action {
        TenantAction::Create {
            name,
            tenant_id,
            admin,
            enrollment,
            approval_routing,
            by,
        } => {
            let tenant_id = TenantId(tenant_id.unwrap_or_else(uuid::Uuid::new_v4));
            let policy = DirectoryPolicy {
                enrollment: match enrollment {
                    EnrollmentArg::Open => Enrollment::Open,
                    EnrollmentArg::InviteOnly => Enrollment::InviteOnly,
                },
                approval_routing: match approval_routing {
                    RoutingArg::AnyApprover => ApprovalRouting::AnyApprover,
                    RoutingArg::EmployeesManager => ApprovalRouting::EmployeesManager,
                },
            };
            let operator = operator(tenant_id, &by);
            let use_cases = &backend.use_cases;
            let create = CommandContext::new(
                operator.clone(),
                format!("tenant-create:{}", uuid::Uuid::new_v4()),
            );
            use_cases
                .create_tenant(&create, name, policy)
                .await
                .context("the tenant was not created")?;
            let invite =
                CommandContext::new(operator, format!("tenant-admin:{}", uuid::Uuid::new_v4()));
            let first_admin = InviteUser {
                subject: UserId::new(admin),
                roles: vec![Role::Admin],
                manager: None,
                cost_center: None,
                email: None,
            };
            use_cases
                .invite_user(&invite, first_admin)
                .await
                .context("the tenant was created, but its first admin was not invited")?;
            crate::serve::print_line(&tenant_id.to_string());
            Ok(())
        }
        TenantAction::GrantAdmin {
            tenant,
            subject,
            by,
        } => {
            let grant = CommandContext::new(
                operator(TenantId(tenant), &by),
                format!("tenant-grant-admin:{}", uuid::Uuid::new_v4()),
            );
            backend
                .use_cases
                .grant_admin(&grant, UserId::new(subject.clone()))
                .await
                .with_context(|| format!("{subject} was not made admin"))?;
            crate::serve::print_line(&format!("{subject} is an admin of {tenant}"));
            Ok(())
        }
    }
}

/// The operator, who reached the database itself, acting as an admin of
/// `tenant_id`.
fn operator(tenant_id: TenantId, by: &str) -> Caller {
    Caller::new(
        tenant_id,
        UserId::new(format!("cli:{by}")),
        vec![Role::Admin],
    )
}
