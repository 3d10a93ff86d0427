//! `folio gdpr`: erasing a data subject's personal data at an operator's request.

use anyhow::Context;
use clap::Subcommand;
use folio::wiring::App;
use folio_commands::{Caller, CommandContext, Role};
use folio_domain::ids::{CustomerId, TenantId, UserId};
use folio_infra::personal_data::{subject_record, wrap_stored_keys};

/// What `folio gdpr` does.
#[derive(Debug, Subcommand)]
pub enum GdprAction {
    /// Erase a customer's personal data for good: its key is destroyed, its contact
    /// details read as `[erased]` everywhere (history, exports, the read models once
    /// their projectors apply the erasure, and any rebuild), and the hash chains
    /// still verify. Running it again changes nothing.
    Erase {
        /// The data subject: the customer's id.
        #[arg(long)]
        subject: uuid::Uuid,
        /// Why (recorded in the erasure event), e.g. the request's reference.
        #[arg(long, default_value = "data-subject erasure request")]
        reason: String,
        /// Who asks (recorded as the erasure event's actor).
        #[arg(long, env = "USER", default_value = "operator")]
        by: String,
    },
    /// Wrap every customer key still stored as is with the master key
    /// (FOLIO_PERSONAL_DATA_MASTER_KEY): for a deployment that had none before.
    WrapKeys,
}

/// Runs `action` against `backend`.
pub async fn run(backend: &App, action: GdprAction) -> anyhow::Result<()> {
    match action {
        GdprAction::Erase {
            subject,
            reason,
            by,
        } => {
            let id = subject.to_string();
            let record = subject_record(&backend.pool, &id)
                .await?
                .with_context(|| format!("no customer {id} holds personal data here"))?;
            // A fresh key per run: erasing again is a no-op by the domain's rule,
            // whatever the reason given.
            // The operator, who reached the database itself, acts as an admin.
            let operator = Caller::new(
                TenantId(record.tenant_id),
                UserId::new(format!("cli:{by}")),
                vec![Role::Admin],
            );
            let ctx = CommandContext::new(
                operator,
                format!("gdpr-erase:{id}:{}", uuid::Uuid::new_v4()),
            );
            let outcome = backend
                .use_cases
                .erase_customer_personal_data(&ctx, CustomerId(subject), reason)
                .await
                .with_context(|| format!("erasing {id}"))?;
            // Erasure changes no stored event: the counts taken before still hold.
            eprintln!(
                "folio: erased the personal data of customer {id} (tenant {}, version {}): \
                 its key is destroyed; {} sealed events now read as erased",
                record.tenant_id, outcome.version, record.sealed_events
            );
            if record.plaintext_events > 0 {
                eprintln!(
                    "folio: warning: {} events of {id} predate sealing and hold its contact in \
                     plaintext; erasure cannot reach them without breaking the hash chain",
                    record.plaintext_events
                );
            }
            Ok(())
        }
        GdprAction::WrapKeys => {
            let (wrapped, master) = wrap_stored_keys(&backend.pool, &backend.wrapping).await?;
            eprintln!("folio: wrapped {wrapped} customer keys with master key {master}");
            Ok(())
        }
    }
}
