//! `folio bi`: an operator gives a BI tool (Metabase, psql, a notebook) a login
//! role that reads one tenant's read models and nothing else, lists those
//! roles, and takes one away.

use clap::Subcommand;
use folio::wiring::App;
use folio_projections::bi_access::{self, Granted};

use crate::serve::print_line;

/// What `folio bi` does.
#[derive(Debug, Subcommand)]
pub enum BiAction {
    /// Make (or reuse) the login role NAME and let it read the tenant's rows of
    /// every read model and nothing else; prints its password once when it
    /// makes the role.
    Grant {
        /// The tenant whose rows the role reads.
        #[arg(long)]
        tenant: uuid::Uuid,
        /// The login role: lowercase letters, digits and underscores.
        #[arg(long)]
        role: String,
    },
    /// Take the tenant away from the role and drop the login role.
    Revoke {
        /// The Postgres login role to revoke (`folio bi grant` made it).
        #[arg(long)]
        role: String,
    },
    /// Every role with a tenant granted, one per line: role, tenant, since.
    List,
}

/// Runs `action` against `app`'s database.
pub async fn run(app: &App, action: BiAction) -> anyhow::Result<()> {
    match action {
        BiAction::Grant { tenant, role } => {
            match bi_access::grant(&app.pool, tenant, &role).await? {
                Granted::NewRole { password } => {
                    print_line(&format!("folio: role {role} reads tenant {tenant}"));
                    print_line(&format!(
                        "password: {password} (shown once; change it with ALTER ROLE {role} PASSWORD)"
                    ));
                }
                Granted::ExistingRole => print_line(&format!(
                    "folio: role {role} reads tenant {tenant} (an existing role: its password is unchanged)"
                )),
                Granted::AlreadyGranted => {
                    print_line(&format!("folio: role {role} reads tenant {tenant} already"));
                }
            }
            Ok(())
        }
        BiAction::Revoke { role } => {
            let tenant = bi_access::revoke(&app.pool, &role).await?;
            print_line(&format!(
                "folio: role {role} no longer reads tenant {tenant} and is dropped"
            ));
            Ok(())
        }
        BiAction::List => {
            for grant in bi_access::grants(&app.pool).await? {
                print_line(&format!(
                    "{}\t{}\t{}",
                    grant.role,
                    grant.tenant,
                    grant.granted_at.to_rfc3339()
                ));
            }
            Ok(())
        }
    }
}
