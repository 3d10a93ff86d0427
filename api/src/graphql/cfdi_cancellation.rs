//! A stamped CFDI's cancellation in GraphQL (`Invoice.cfdiStamp.cancellation`):
//! what was asked of SAT, its acknowledgement, a refusal, and the latest
//! failed attempt of `folio serve`'s canceller. Asking is `voidInvoice` with a
//! `satCancellation`; SAT decides, so the invoice turns VOID only once SAT
//! cancelled the CFDI.

use async_graphql::{ComplexObject, Context, Enum, SimpleObject};
use chrono::{DateTime, Utc};
use folio_domain::invoice::SatCancellationReason as DomainReason;
use folio_projections::invoicing::queries::InvoiceRow;
use uuid::Uuid;

use super::cfdi_failure::{latest_failure, CfdiProcess, CfdiStampFailure};
use super::enums::SatCancellationReason;
use super::scalars::Date;

/// Where a stamped CFDI's cancellation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CfdiCancellationStatus {
    /// Asked; `folio serve` has not sent it to SAT yet (it retries while the
    /// PAC is away: see `failure`).
    Requested,
    /// SAT acknowledged it and decides: at once within its acceptance-free
    /// window, otherwise once the receiver accepts or refuses.
    Submitted,
    /// SAT, the PAC or the receiver refused it: the CFDI and the invoice stay
    /// valid; `voidInvoice` may ask again.
    Refused,
    /// SAT cancelled the CFDI: the invoice is VOID.
    Cancelled,
}

/// The last cancellation asked of SAT for a stamped CFDI.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct CfdiCancellation {
    /// The invoice (for `failure`).
    #[graphql(skip)]
    pub invoice_id: Uuid,
    /// Where it stands.
    pub status: CfdiCancellationStatus,
    /// SAT's reason.
    pub sat_reason: SatCancellationReason,
    /// For `ERRORS_WITH_REPLACEMENT`, the invoice that replaces this one.
    pub replaced_by: Option<Uuid>,
    /// For `ERRORS_WITH_REPLACEMENT`, its fiscal folio, which SAT is told.
    pub replacement_uuid: Option<Uuid>,
    /// The day it was asked for, in the tenant's time.
    pub requested_on: Date,
    /// When SAT's acknowledgement (its `Acuse`, kept with the invoice) was
    /// recorded.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// SAT's status of the folio in its acknowledgement (`EstatusUUID`: 201
    /// received, 202 cancelled before).
    pub sat_status_code: Option<String>,
    /// The refusal, while `REFUSED`.
    pub refusal: Option<CfdiCancellationRefusal>,
}

/// A refused cancellation, in the words of whoever refused it.
#[derive(Debug, Clone, SimpleObject)]
pub struct CfdiCancellationRefusal {
    /// SAT's code (203-209, 303-305, relayed by the PAC), or
    /// `RECEIVER_REFUSED` when the receiver said no in SAT's portal.
    pub code: String,
    /// The message.
    pub message: String,
    /// When it was recorded.
    pub refused_at: DateTime<Utc>,
}

impl CfdiCancellation {
    /// The cancellation on an invoice's row; none when none was asked (or
    /// the row is not one this version reads).
    pub fn of_row(row: &InvoiceRow) -> Option<CfdiCancellation> {
        let status = match row.cfdi_cancellation_status.as_deref()? {
            "REQUESTED" => CfdiCancellationStatus::Requested,
            "SUBMITTED" => CfdiCancellationStatus::Submitted,
            "REFUSED" => CfdiCancellationStatus::Refused,
            "CANCELLED" => CfdiCancellationStatus::Cancelled,
            _ => return None,
        };
        let sat_reason = DomainReason::from_code(row.cfdi_cancellation_reason.as_deref()?)?;
        let refusal = match (
            &row.cfdi_cancellation_refusal_code,
            &row.cfdi_cancellation_refusal_message,
            row.cfdi_cancellation_refused_at,
        ) {
            (Some(code), Some(message), Some(refused_at))
                if status == CfdiCancellationStatus::Refused =>
            {
                Some(CfdiCancellationRefusal {
                    code: code.clone(),
                    message: message.clone(),
                    refused_at,
                })
            }
            _ => None,
        };
        Some(CfdiCancellation {
            invoice_id: row.invoice_id,
            status,
            sat_reason: sat_reason.into(),
            replaced_by: row.cfdi_cancellation_replaced_by,
            replacement_uuid: row.cfdi_cancellation_replacement_uuid,
            requested_on: Date(row.cfdi_cancellation_requested_on?),
            acknowledged_at: row.cfdi_cancellation_submitted_at,
            sat_status_code: row.cfdi_cancellation_status_code.clone(),
            refusal,
        })
    }
}

#[ComplexObject]
impl CfdiCancellation {
    /// Why the latest attempt to send it or to ask SAT about it failed (the
    /// PAC or SAT's status service away, no CSD in force); null while none
    /// failed since the last step. It is retried, twice as late each time,
    /// at most an hour.
    async fn failure(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CfdiStampFailure>> {
        if !matches!(
            self.status,
            CfdiCancellationStatus::Requested | CfdiCancellationStatus::Submitted
        ) {
            return Ok(None);
        }
        latest_failure(ctx, CfdiProcess::Cancelling, self.invoice_id).await
    }
}
