//! Cancelling a stamped CFDI. Once SAT knows an invoice by its fiscal folio,
//! only SAT can cancel it: a void under MX of a stamped invoice is a request
//! ([`InvoiceEvent::CfdiCancellationRequested`]) that the application layer's
//! canceller sends through the PAC. SAT's acknowledgement is kept
//! ([`InvoiceEvent::CfdiCancellationSubmitted`]); the invoice is void only
//! once SAT's status service says the CFDI is cancelled
//! ([`InvoiceEvent::InvoiceCancelled`], as for an invoice SAT never knew), and
//! stays valid when SAT or the receiver refuse
//! ([`InvoiceEvent::CfdiCancellationRefused`]). While SAT decides, nothing that
//! would forbid the void (a payment, a credit note, moved credit) is recorded.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{CfdiFile, Invoice, InvoiceError, InvoiceEvent, SatCancellationReason};
use super::{ReplacementInvoice, StampState};
use crate::ids::InvoiceId;

/// A cancellation of a stamped CFDI, as the user asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CfdiCancellationRequest {
    /// Why, in words kept with the record and shown in the history.
    pub reason: String,
    /// SAT's reason code.
    pub sat_reason: SatCancellationReason,
    /// The issued invoice that replaces this one (reason 01 only).
    pub replaced_by: Option<InvoiceId>,
    /// That invoice's fiscal folio, which SAT is told (`FolioSustitucion`).
    pub replacement_uuid: Option<Uuid>,
    /// The day it was asked for, in the tenant's time.
    pub requested_on: NaiveDate,
}

/// SAT's acknowledgement of a cancellation request, through the PAC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CfdiCancellationReceipt {
    /// SAT's acknowledgement (`Acuse`), as the PAC returned it.
    pub acuse: CfdiFile,
    /// SAT's status of the folio in it (`EstatusUUID`: 201 received, 202
    /// cancelled before).
    pub status_code: String,
    /// When Folio recorded it.
    pub received_at: DateTime<Utc>,
}

/// A cancellation SAT, the PAC or the receiver refused: the CFDI stays valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CfdiCancellationRefusal {
    /// The PAC's or SAT's code (`RECEIVER_REFUSED` when the receiver said no).
    pub code: String,
    /// Their words.
    pub message: String,
    /// When Folio recorded it.
    pub refused_at: DateTime<Utc>,
}

/// A cancellation on its way to SAT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCancellation {
    /// What was asked.
    pub request: CfdiCancellationRequest,
    /// SHA-256 of SAT's acknowledgement, once it acknowledged.
    pub receipt: Option<String>,
}

impl Invoice {
    /// A Mexican cancellation the void's rules allowed: a request to SAT once
    /// the CFDI is stamped (naming the replacement's fiscal folio for reason
    /// 01), refused while a PAC may be stamping it (an answer not yet heard
    /// may hold a folio), and at once when SAT never knew it.
    pub(super) fn decide_sat_cancellation(
        &self,
        reason: String,
        on: NaiveDate,
        sat_reason: SatCancellationReason,
        replacement: Option<ReplacementInvoice>,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        let replaced_by = replacement.map(|r| r.invoice_id);
        match self.stamp {
            Some(StampState::Stamped { .. }) => {
                let replacement_uuid =
                    match replacement {
                        None => None,
                        Some(r) => Some(
                            r.cfdi_uuid.ok_or(InvoiceError::InvalidReplacement {
                                invoice_id: r.invoice_id,
                                why: "it has no fiscal folio yet (a replacement is stamped first)"
                                    .into(),
                            })?,
                        ),
                    };
                Ok(vec![InvoiceEvent::CfdiCancellationRequested(
                    CfdiCancellationRequest {
                        reason,
                        sat_reason,
                        replaced_by,
                        replacement_uuid,
                        requested_on: on,
                    },
                )])
            }
            Some(StampState::Pending { sealed: Some(_) }) => Err(InvoiceError::CfdiStampAwaited),
            _ => Ok(vec![InvoiceEvent::InvoiceCancelled {
                reason,
                cancelled_on: on,
                sat_reason,
                replaced_by,
            }]),
        }
    }

    /// Refuses a command while SAT decides on a cancellation.
    pub(super) fn require_no_cancellation(&self) -> Result<(), InvoiceError> {
        match self.cancellation {
            Some(_) => Err(InvoiceError::CfdiCancellationPending),
            None => Ok(()),
        }
    }

    fn pending_cancellation(&self) -> Result<&PendingCancellation, InvoiceError> {
        self.cancellation
            .as_ref()
            .ok_or(InvoiceError::NoCfdiCancellationPending)
    }

    /// Records SAT's acknowledgement; a second one (a request sent again after
    /// a lost answer) changes nothing.
    pub(super) fn decide_cancellation_receipt(
        &self,
        receipt: CfdiCancellationReceipt,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        if !receipt.acuse.is_well_formed() || receipt.status_code.trim().is_empty() {
            return Err(InvoiceError::InvalidCfdiRecord);
        }
        match self.pending_cancellation()?.receipt {
            Some(_) => Ok(vec![]),
            None => Ok(vec![InvoiceEvent::CfdiCancellationSubmitted(receipt)]),
        }
    }

    /// Records that SAT cancelled the CFDI: the invoice is void, with the
    /// request's reason. Cancelled already: nothing.
    pub(super) fn decide_cancelled(
        &self,
        cancelled_on: NaiveDate,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        if self.cancellation.is_none() && self.status == super::DocumentStatus::Void {
            return Ok(vec![]);
        }
        let request = &self.pending_cancellation()?.request;
        Ok(vec![InvoiceEvent::InvoiceCancelled {
            reason: request.reason.clone(),
            cancelled_on,
            sat_reason: request.sat_reason,
            replaced_by: request.replaced_by,
        }])
    }

    /// Records a refusal: the CFDI stays valid and may be asked again.
    pub(super) fn decide_cancellation_refusal(
        &self,
        refusal: CfdiCancellationRefusal,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        if refusal.code.trim().is_empty() {
            return Err(InvoiceError::InvalidCfdiRecord);
        }
        self.pending_cancellation()?;
        Ok(vec![InvoiceEvent::CfdiCancellationRefused(refusal)])
    }

    /// The pending cancellation after `event`, one of the cancellation's own.
    pub(super) fn fold_cancellation(&mut self, event: InvoiceEvent) {
        match event {
            InvoiceEvent::CfdiCancellationRequested(request) => {
                self.cancellation = Some(PendingCancellation {
                    request,
                    receipt: None,
                })
            }
            InvoiceEvent::CfdiCancellationSubmitted(receipt) => {
                if let Some(pending) = self.cancellation.as_mut() {
                    pending.receipt = Some(receipt.acuse.sha256);
                }
            }
            InvoiceEvent::CfdiCancellationRefused(_) => self.cancellation = None,
            _ => {}
        }
    }
}
