//! Mexico's fiscal stamp in GraphQL: where an invoice's stamp stands
//! (`Invoice.cfdiStamp`, from the read model) and asking for it again after
//! the PAC refused it (`requestCfdiStamp`). The stamping itself is a process
//! of `folio serve`, never a call inside a mutation.

use async_graphql::{ComplexObject, Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use folio_domain::ids::{CreditNoteId, PaymentId};
use folio_domain::invoice::DocumentOfInvoice;
use folio_projections::invoicing::queries::InvoiceRow;
use uuid::Uuid;

use super::cfdi_cancellation::CfdiCancellation;
use super::cfdi_failure::{latest_failure, CfdiProcess, CfdiStampFailure};
use super::ids::uuid_arg;
use super::outcome::CommandResult;

/// Where an invoice's fiscal stamp stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CfdiStampStatus {
    /// Issued; the PAC has not stamped it yet (`folio serve` seals and sends
    /// it, retrying while the PAC is away).
    Pending,
    /// Stamped: `uuid` is the fiscal folio SAT knows it by.
    Stamped,
    /// The PAC refused it (`rejection` says why); `requestCfdiStamp` tries
    /// again.
    Rejected,
}

impl CfdiStampStatus {
    /// The status as the read model stores it (`PENDING`, `STAMPED`,
    /// `REJECTED`).
    pub(crate) fn of_stored(stored: &str) -> Option<Self> {
        match stored {
            "PENDING" => Some(CfdiStampStatus::Pending),
            "STAMPED" => Some(CfdiStampStatus::Stamped),
            "REJECTED" => Some(CfdiStampStatus::Rejected),
            _ => None,
        }
    }
}

/// A Mexican invoice's fiscal stamp by a PAC.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct CfdiStamp {
    /// The invoice (for `failure`).
    #[graphql(skip)]
    pub invoice_id: Uuid,
    /// Where it stands.
    pub status: CfdiStampStatus,
    /// The fiscal folio (the `TimbreFiscalDigital`'s UUID), once stamped.
    pub uuid: Option<Uuid>,
    /// When the CFDI sent to the PAC was sealed: a PAC stamps it only within
    /// 72 hours of this; past them `folio serve` seals it anew.
    pub sealed_at: Option<DateTime<Utc>>,
    /// When the PAC stamped it.
    pub stamped_at: Option<DateTime<Utc>>,
    /// The PAC's refusal, while `REJECTED`.
    pub rejection: Option<CfdiRejection>,
    /// The last cancellation asked of SAT for the stamped CFDI; null when
    /// none was asked.
    pub cancellation: Option<CfdiCancellation>,
}

/// A PAC's refusal to stamp, in its words.
#[derive(Debug, Clone, SimpleObject)]
pub struct CfdiRejection {
    /// The PAC's error code (SAT's validation codes, e.g. `CFDI40145`).
    pub code: String,
    /// The PAC's message.
    pub message: String,
}

impl CfdiStamp {
    /// The stamp of an invoice's row; none when not issued under MX.
    pub fn of_row(row: &InvoiceRow) -> Option<CfdiStamp> {
        let status = CfdiStampStatus::of_stored(row.cfdi_status.as_deref()?)?;
        let rejection = match (&row.cfdi_rejection_code, &row.cfdi_rejection_message) {
            (Some(code), Some(message)) => Some(CfdiRejection {
                code: code.clone(),
                message: message.clone(),
            }),
            _ => None,
        };
        Some(CfdiStamp {
            invoice_id: row.invoice_id,
            status,
            uuid: row.cfdi_uuid,
            sealed_at: row.cfdi_sealed_at,
            stamped_at: row.cfdi_stamped_at,
            rejection,
            cancellation: CfdiCancellation::of_row(row),
        })
    }
}

#[ComplexObject]
impl CfdiStamp {
    /// Why the latest attempt to seal and send it failed (the PAC away, no
    /// CSD in force); null while none failed since the PAC last answered.
    /// It is retried, twice as late each time, at most an hour.
    async fn failure(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CfdiStampFailure>> {
        if self.status != CfdiStampStatus::Pending {
            return Ok(None);
        }
        latest_failure(ctx, CfdiProcess::Stamping, self.invoice_id).await
    }
}

/// Mutations of the fiscal stamp.
#[derive(Debug, Default)]
pub struct StampMutation;

#[Object]
impl StampMutation {
    /// Asks for the fiscal stamp again after the PAC refused it (correct
    /// what it named first, e.g. the customer's name as SAT knows it):
    /// `folio serve` seals the CFDI anew and sends it. Refused with CONFLICT
    /// once stamped; nothing changes while it is pending.
    async fn request_cfdi_stamp(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.request_stamp(&c, id, DocumentOfInvoice::Invoice)
        })
    }

    /// Asks for a payment complement's stamp again after the PAC refused it
    /// (correct what it named first): `folio serve` seals it anew and sends
    /// it. Refused with CONFLICT once stamped or before it is numbered;
    /// nothing changes while it is pending.
    async fn request_payment_complement_stamp(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The payment's UUID (`paymentId`).")] payment_id: ID,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let payment_id = PaymentId(uuid_arg(&payment_id, "paymentId")?);
        let complement = DocumentOfInvoice::PaymentComplement { payment_id };
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.request_stamp(&c, id, complement)
        })
    }

    /// Asks for a credit note's stamp again after the PAC refused it
    /// (correct what it named first): `folio serve` seals it anew and sends
    /// it. Refused with CONFLICT once stamped; nothing changes while it is
    /// pending.
    async fn request_credit_note_stamp(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The credit note's UUID (`creditNoteId`).")] credit_note_id: ID,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let credit_note_id = CreditNoteId(uuid_arg(&credit_note_id, "creditNoteId")?);
        let note = DocumentOfInvoice::CreditNote { credit_note_id };
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.request_stamp(&c, id, note)
        })
    }
}
