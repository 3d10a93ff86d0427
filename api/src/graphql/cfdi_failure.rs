//! A failed attempt of `folio serve`'s stamping or cancelling process at a
//! CFDI, as `cfdiStamp.failure`, `cfdiStamp.cancellation.failure`, a
//! payment's `cfdiComplement.failure` and a credit note's
//! `cfdiStamp.failure` show it.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, SimpleObject};
use chrono::{DateTime, Utc};
use folio_commands::attempts::FailedAttempt;
use folio_commands::documents::DocumentsError;
use folio_commands::stamping::StampReads;
use folio_commands::Caller;
use folio_domain::ids::{CreditNoteId, InvoiceId, PaymentId};
use uuid::Uuid;

use crate::error::documents;

/// A failed attempt of `folio serve` at a CFDI: to seal it and have the PAC
/// stamp it, or to send its cancellation and ask SAT about it.
#[derive(Debug, Clone, SimpleObject)]
pub struct CfdiStampFailure {
    /// The stable error code: UNAVAILABLE when the PAC, SAT's status service
    /// or a store was away (or the PAC refused Folio's credentials),
    /// VALIDATION when the CFDI cannot be sealed or the request signed (the
    /// reason names why, e.g. no CSD in force), INTERNAL for a logged bug or
    /// an unreadable answer.
    pub code: String,
    /// What went wrong, for a person.
    pub reason: String,
    /// Failed attempts in a row.
    pub attempts: u32,
    /// When the latest attempt failed (UTC).
    pub last_attempt_at: DateTime<Utc>,
    /// When the process tries again (UTC).
    pub next_attempt_at: DateTime<Utc>,
}

impl From<FailedAttempt> for CfdiStampFailure {
    fn from(failure: FailedAttempt) -> Self {
        CfdiStampFailure {
            code: failure.code.as_str().to_owned(),
            reason: failure.reason,
            attempts: failure.attempts,
            last_attempt_at: failure.last_attempt_at,
            next_attempt_at: failure.next_attempt_at,
        }
    }
}

/// The process whose failed attempt is read, and at what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CfdiProcess {
    /// Sealing an invoice's CFDI and having the PAC stamp it.
    Stamping,
    /// Sending a cancellation and asking SAT about it.
    Cancelling,
    /// Numbering and sealing a payment's complement and having the PAC
    /// stamp it (keyed by the payment).
    ComplementStamping,
    /// Sealing a credit note's CFDI and having the PAC stamp it (keyed by
    /// the credit note).
    CreditNoteStamping,
}

/// Loads the latest failed attempts of a page of invoices at once, for one
/// request's caller.
#[derive(Debug)]
pub struct CfdiFailureLoader {
    reads: StampReads,
    caller: Caller,
}

impl CfdiFailureLoader {
    /// The failures of `process` at `ids` (invoices', or payments' for
    /// complements), keyed by the UUID.
    async fn of(
        &self,
        process: CfdiProcess,
        ids: Vec<Uuid>,
    ) -> Result<HashMap<Uuid, FailedAttempt>, DocumentsError> {
        let reads = &self.reads;
        let invoices: Vec<InvoiceId> = ids.iter().copied().map(InvoiceId).collect();
        let by_invoice = |found: HashMap<InvoiceId, FailedAttempt>| {
            found
                .into_iter()
                .map(|(id, failure)| (id.0, failure))
                .collect()
        };
        Ok(match process {
            CfdiProcess::Stamping => by_invoice(reads.failures(&self.caller, &invoices).await?),
            CfdiProcess::Cancelling => {
                by_invoice(reads.cancellation_failures(&self.caller, &invoices).await?)
            }
            CfdiProcess::ComplementStamping => {
                let payments: Vec<PaymentId> = ids.into_iter().map(PaymentId).collect();
                let found = reads.complement_failures(&self.caller, &payments).await?;
                found
                    .into_iter()
                    .map(|(id, failure)| (id.0, failure))
                    .collect()
            }
            CfdiProcess::CreditNoteStamping => {
                let notes: Vec<CreditNoteId> = ids.into_iter().map(CreditNoteId).collect();
                let found = reads.credit_note_failures(&self.caller, &notes).await?;
                found
                    .into_iter()
                    .map(|(id, failure)| (id.0, failure))
                    .collect()
            }
        })
    }
}

impl Loader<(CfdiProcess, Uuid)> for CfdiFailureLoader {
    type Value = FailedAttempt;
    type Error = Arc<async_graphql::Error>;

    async fn load(
        &self,
        keys: &[(CfdiProcess, Uuid)],
    ) -> Result<HashMap<(CfdiProcess, Uuid), FailedAttempt>, Self::Error> {
        let mut found = HashMap::new();
        let processes = [
            CfdiProcess::Stamping,
            CfdiProcess::Cancelling,
            CfdiProcess::ComplementStamping,
            CfdiProcess::CreditNoteStamping,
        ];
        for process in processes {
            let ids: Vec<Uuid> = keys
                .iter()
                .filter(|(of, _)| *of == process)
                .map(|(_, id)| *id)
                .collect();
            if ids.is_empty() {
                continue;
            }
            let failures = self
                .of(process, ids)
                .await
                .map_err(|e| Arc::new(documents(e).into()))?;
            found.extend(
                failures
                    .into_iter()
                    .map(|(id, failure)| ((process, id), failure)),
            );
        }
        Ok(found)
    }
}

/// The failure loader of a request by `caller`.
pub(crate) fn cfdi_failure_loader(
    reads: &StampReads,
    caller: Caller,
) -> DataLoader<CfdiFailureLoader> {
    let reads = reads.clone();
    DataLoader::new(CfdiFailureLoader { reads, caller }, tokio::spawn)
}

/// The latest failed attempt of `process` at `id` (an invoice, a payment
/// for its complement), if its latest attempt failed.
pub(crate) async fn latest_failure(
    ctx: &Context<'_>,
    process: CfdiProcess,
    id: Uuid,
) -> async_graphql::Result<Option<CfdiStampFailure>> {
    let loader = ctx.data::<DataLoader<CfdiFailureLoader>>()?;
    Ok(loader
        .load_one((process, id))
        .await
        .map_err(|e| (*e).clone())?
        .map(CfdiStampFailure::from))
}
