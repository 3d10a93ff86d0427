//! Mexico's payment complements in GraphQL: where a payment's complement
//! (CFDI of type P) stands (`Payment.cfdiComplement`, from the read model),
//! and asking for its stamp again after the PAC refused it
//! (`requestPaymentComplementStamp`). Numbering, sealing and stamping are
//! `folio serve`'s process, never a call inside a mutation.

use async_graphql::{ComplexObject, Context, SimpleObject};
use chrono::{DateTime, Utc};
use folio_commands::documents::DocumentOf;
use folio_domain::ids::{InvoiceId, PaymentId};
use folio_projections::invoicing::queries::{ComplementFileRow, PaymentComplementRow};
use uuid::Uuid;

use super::cfdi_failure::{latest_failure, CfdiProcess, CfdiStampFailure};
use super::documents::{archive_of, ArchivedDocument, DocumentArchive};
use super::loaders::children;
use super::stamps::{CfdiRejection, CfdiStampStatus};

/// The complement (CFDI of type P, Pagos 2.0) a payment of a Mexican invoice
/// issued PPD owes: numbered in the tenant's complement series once the
/// invoice is stamped, then sealed and stamped with its own fiscal folio.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct PaymentComplement {
    /// The invoice paid (for `archive`).
    #[graphql(skip)]
    pub invoice_id: Uuid,
    /// The payment (for `failure`, `documents` and `archive`).
    #[graphql(skip)]
    pub payment_id: Uuid,
    /// Its number, e.g. `P-000001`; null until numbered (after the
    /// invoice's own stamp).
    pub number: Option<String>,
    /// Where its stamp stands: PENDING until the PAC stamps it.
    pub status: CfdiStampStatus,
    /// Its own fiscal folio, once stamped.
    pub uuid: Option<Uuid>,
    /// When the XML sent to the PAC was sealed.
    pub sealed_at: Option<DateTime<Utc>>,
    /// When the PAC stamped it.
    pub stamped_at: Option<DateTime<Utc>>,
    /// The PAC's refusal, while `REJECTED`.
    pub rejection: Option<CfdiRejection>,
}

impl From<PaymentComplementRow> for PaymentComplement {
    fn from(row: PaymentComplementRow) -> Self {
        let status = CfdiStampStatus::of_stored(&row.status).unwrap_or(CfdiStampStatus::Pending);
        let rejection = row
            .rejection_code
            .zip(row.rejection_message)
            .map(|(code, message)| CfdiRejection { code, message });
        PaymentComplement {
            invoice_id: row.invoice_id,
            payment_id: row.payment_id,
            number: row.number,
            status,
            uuid: row.uuid,
            sealed_at: row.sealed_at,
            stamped_at: row.stamped_at,
            rejection,
        }
    }
}

#[ComplexObject]
impl PaymentComplement {
    /// Why the latest attempt to number, seal or send it failed (the PAC
    /// away, no CSD in force, a payment a complement cannot state); null
    /// while none failed since the PAC last answered. It is retried, twice
    /// as late each time, at most an hour.
    async fn failure(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CfdiStampFailure>> {
        if self.status != CfdiStampStatus::Pending {
            return Ok(None);
        }
        latest_failure(ctx, CfdiProcess::ComplementStamping, self.payment_id).await
    }

    /// Its files as archived once stamped (the stamped CFDI and its printed
    /// form), each with the SHA-256 that proves what was issued; empty until
    /// archived.
    async fn documents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ArchivedDocument>> {
        children::<ComplementFileRow, ArchivedDocument>(ctx, self.payment_id).await
    }

    /// Where its archive stands once stamped: pending, archived, or failed
    /// with the reason; null before its stamp.
    async fn archive(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DocumentArchive>> {
        if self.status != CfdiStampStatus::Stamped {
            return Ok(None);
        }
        let which =
            DocumentOf::PaymentComplement(InvoiceId(self.invoice_id), PaymentId(self.payment_id));
        archive_of(ctx, which).await
    }
}
