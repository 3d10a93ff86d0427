//! The documents of issued invoices and credit notes: the use case that builds
//! one [`Document`] from what the stores hold. The invoice's own events (read
//! through the [`EventHistory`] port, upcast and with personal data opened),
//! the customer as it stands, and the tenant's legal profile go into
//! `folio_documents`, which checks what EN 16931 requires of them.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use cqrs_es::AggregateError;
use folio_documents::cfdi::payment::complement_of;
use folio_documents::cfdi::{
    seal_credit_note, seal_invoice, seal_payment, CfdiError, Csd, SealedCfdi,
};
use folio_documents::letter::{invoice_letter, InvoiceLetter};
use folio_documents::InvoiceRecord;
use folio_documents::{credit_note_document, invoice_document, Document, DocumentError};
use folio_domain::customer::Customer;
use folio_domain::ids::{CreditNoteId, InvoiceId, PaymentId};
use folio_domain::invoice::{ArchivedFile, CfdiStamp, DocumentOfInvoice, InvoiceEvent};
use folio_domain::settings::TenantSettings;
use folio_domain::{Decide, ErrorCode};

use crate::access::{Action, Caller, Forbidden};
use crate::csd::{CsdFiles, CsdVault};
use crate::history::{EventHistory, HistoryError};
use crate::ports::{AggregateStore, EventStores};

/// Which document of an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentOf {
    /// The invoice itself.
    Invoice(InvoiceId),
    /// One of the credit notes issued against the invoice.
    CreditNote(InvoiceId, CreditNoteId),
    /// Mexico: the stamped complement of one of the invoice's payments.
    PaymentComplement(InvoiceId, PaymentId),
}

impl DocumentOf {
    /// The invoice, and which of its documents this is, as its events name it.
    pub fn on_invoice(self) -> (InvoiceId, DocumentOfInvoice) {
        match self {
            DocumentOf::Invoice(invoice) => (invoice, DocumentOfInvoice::Invoice),
            DocumentOf::CreditNote(invoice, credit_note_id) => {
                (invoice, DocumentOfInvoice::CreditNote { credit_note_id })
            }
            DocumentOf::PaymentComplement(invoice, payment_id) => {
                (invoice, DocumentOfInvoice::PaymentComplement { payment_id })
            }
        }
    }
}

/// Where the fiscal stamp of an invoice stands, as its archive sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FiscalStamp {
    /// Not issued under MX: no CFDI.
    NotMexican,
    /// Issued under MX, not stamped yet.
    Awaiting,
    /// Stamped by a PAC.
    Stamped(Box<CfdiStamp>),
}

/// Why a document could not be had.
#[derive(Debug, thiserror::Error)]
pub enum DocumentsError {
    /// The caller's roles do not allow reading invoices.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// No such invoice in the caller's tenant.
    #[error("invoice not found")]
    NotFound,
    /// The invoice, its customer or the legal profile lacks what the document
    /// must say (the reason names the rule).
    #[error(transparent)]
    NotRenderable(#[from] DocumentError),
    /// The invoice cannot become a sealed CFDI (the reason names the rule).
    #[error(transparent)]
    NotSealable(#[from] CfdiError),
    /// A payment complement is a CFDI only: it has no EN 16931 document.
    #[error("a payment complement exists only as its stamped CFDI")]
    OnlyAsCfdi,
    /// No CSD is installed, or its files are not kept.
    #[error("no CSD is installed to seal CFDIs with: install one (installCsd)")]
    NoCsd,
    /// The store could not be reached; retry.
    #[error("the event store is unavailable; retry shortly")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A stored event or aggregate cannot be read (logged; reported without detail).
    #[error("a stored event cannot be read")]
    Unreadable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl DocumentsError {
    /// The stable code the client sees.
    pub fn code(&self) -> ErrorCode {
        match self {
            DocumentsError::Forbidden(_) => ErrorCode::Forbidden,
            DocumentsError::NotFound => ErrorCode::NotFound,
            DocumentsError::NotRenderable(DocumentError::NotIssued) => ErrorCode::Conflict,
            DocumentsError::NotRenderable(DocumentError::UnknownCreditNote(_)) => {
                ErrorCode::NotFound
            }
            DocumentsError::NotRenderable(_) => ErrorCode::Validation,
            DocumentsError::NotSealable(CfdiError::NotIssued) => ErrorCode::Conflict,
            DocumentsError::NotSealable(_) | DocumentsError::NoCsd | DocumentsError::OnlyAsCfdi => {
                ErrorCode::Validation
            }
            DocumentsError::Unavailable(_) => ErrorCode::Unavailable,
            DocumentsError::Unreadable(_) => ErrorCode::Internal,
        }
    }
}

impl From<HistoryError> for DocumentsError {
    fn from(error: HistoryError) -> Self {
        match error {
            HistoryError::Forbidden(forbidden) => DocumentsError::Forbidden(forbidden),
            HistoryError::Unavailable(e) => DocumentsError::Unavailable(e),
            HistoryError::InvalidRequest(reason) => DocumentsError::Unreadable(reason.into()),
            HistoryError::Unreadable(e) => DocumentsError::Unreadable(e),
        }
    }
}

/// The document use cases: each checks that the caller may read invoices and
/// confines the read to the caller's tenant.
#[derive(Clone)]
pub struct InvoiceDocuments {
    history: Arc<dyn EventHistory>,
    stores: EventStores,
}

impl std::fmt::Debug for InvoiceDocuments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InvoiceDocuments")
    }
}

impl InvoiceDocuments {
    /// The use cases over the event history and the stores.
    pub fn new(history: Arc<dyn EventHistory>, stores: EventStores) -> Self {
        InvoiceDocuments { history, stores }
    }

    /// The document of an issued invoice or of one of its credit notes, as the
    /// stores hold it now: the issued amounts, the customer, and the legal
    /// profile and logo in force.
    pub async fn document(
        &self,
        caller: &Caller,
        which: DocumentOf,
    ) -> Result<Document, DocumentsError> {
        caller.require(Action::ReadInvoicing)?;
        let (invoice_id, _) = which.on_invoice();
        let (record, customer, settings) = self.with_parties(caller, invoice_id).await?;
        let seller = settings.legal_profile.as_ref();
        let mut document = match which {
            DocumentOf::Invoice(_) => invoice_document(&record, seller, &customer),
            DocumentOf::CreditNote(_, credit_note) => {
                credit_note_document(&record, credit_note, seller, &customer)
            }
            DocumentOf::PaymentComplement(..) => return Err(DocumentsError::OnlyAsCfdi),
        }?;
        document.seller_logo = settings.logo.map(|logo| logo.sha256);
        Ok(document)
    }

    /// What the e-mails of an issued invoice say of it (number, dates,
    /// amount, parties), read without the EN 16931 document: an invoice that
    /// model cannot express is e-mailed as well.
    pub async fn letter(
        &self,
        caller: &Caller,
        invoice_id: InvoiceId,
    ) -> Result<InvoiceLetter, DocumentsError> {
        caller.require(Action::ReadInvoicing)?;
        let (record, customer, settings) = self.with_parties(caller, invoice_id).await?;
        Ok(invoice_letter(
            &record,
            settings.legal_profile.as_ref(),
            &customer,
        )?)
    }

    /// The CFDI of an invoice issued under the MX jurisdiction, sealed `at`
    /// with the tenant's installed CSD (its files from `vault`), to the
    /// customer's name as it stands.
    pub async fn cfdi(
        &self,
        caller: &Caller,
        invoice_id: InvoiceId,
        vault: &dyn CsdVault,
        at: DateTime<Utc>,
    ) -> Result<SealedCfdi, DocumentsError> {
        caller.require(Action::ReadInvoicing)?;
        let (record, customer, settings) = self.with_parties(caller, invoice_id).await?;
        let csd = installed_csd(caller, &settings, vault).await?;
        Ok(seal_invoice(&record, &customer.contact.name, at, &csd)?)
    }

    /// The complement (CFDI of type P) of payment `of.1` of the stamped
    /// invoice `of.0`, numbered already, sealed `at` with the tenant's
    /// installed CSD, to the customer's name as it stands.
    pub async fn payment_complement(
        &self,
        caller: &Caller,
        (invoice_id, payment_id): (InvoiceId, PaymentId),
        vault: &dyn CsdVault,
        at: DateTime<Utc>,
    ) -> Result<SealedCfdi, DocumentsError> {
        caller.require(Action::ReadInvoicing)?;
        let (record, customer, settings) = self.with_parties(caller, invoice_id).await?;
        let (payment, number) = complement_of(&record, payment_id)?;
        let csd = installed_csd(caller, &settings, vault).await?;
        let to = (customer.contact.name.as_str(), &number);
        Ok(seal_payment(&record, &payment, to, at, &csd)?)
    }

    /// The CFDI (type E) of credit note `of.1` of the stamped invoice `of.0`,
    /// sealed `at` with the tenant's installed CSD, to the customer's name
    /// as it stands.
    pub async fn credit_note_cfdi(
        &self,
        caller: &Caller,
        (invoice_id, credit_note_id): (InvoiceId, CreditNoteId),
        vault: &dyn CsdVault,
        at: DateTime<Utc>,
    ) -> Result<SealedCfdi, DocumentsError> {
        caller.require(Action::ReadInvoicing)?;
        let (record, customer, settings) = self.with_parties(caller, invoice_id).await?;
        let csd = installed_csd(caller, &settings, vault).await?;
        let to = (credit_note_id, customer.contact.name.as_str());
        Ok(seal_credit_note(&record, to, at, &csd)?)
    }

    /// The files of the caller's tenant's CSD in force (from `vault`), which
    /// also sign its requests to SAT (a cancellation, say).
    pub async fn csd_files(
        &self,
        caller: &Caller,
        vault: &dyn CsdVault,
    ) -> Result<CsdFiles, DocumentsError> {
        caller.require(Action::ReadInvoicing)?;
        let settings: TenantSettings =
            load(self.stores.settings.as_ref(), &caller.tenant_id.to_string()).await?;
        installed_files(caller, &settings, vault).await
    }

    /// Where the fiscal stamp of `which` stands (an invoice's own CFDI, a
    /// credit note's, a payment's complement).
    pub async fn fiscal_stamp(
        &self,
        caller: &Caller,
        which: DocumentOf,
    ) -> Result<FiscalStamp, DocumentsError> {
        caller.require(Action::ReadInvoicing)?;
        let (invoice_id, of) = which.on_invoice();
        let record = self.record(caller, invoice_id).await?;
        let mexican = record.issued.as_ref().is_some_and(|i| i.cfdi.is_some());
        let stamp = match of {
            DocumentOfInvoice::Invoice => record.stamp,
            DocumentOfInvoice::CreditNote { credit_note_id } => record
                .credit_notes
                .into_iter()
                .find(|note| note.credit_note_id == credit_note_id)
                .and_then(|note| note.stamp),
            DocumentOfInvoice::PaymentComplement { payment_id } => record
                .payments
                .into_iter()
                .find(|payment| payment.payment_id == payment_id)
                .and_then(|payment| payment.complement_stamp),
        };
        Ok(match stamp {
            Some(stamp) => FiscalStamp::Stamped(Box::new(stamp)),
            None if mexican => FiscalStamp::Awaiting,
            None => FiscalStamp::NotMexican,
        })
    }

    /// The files `which` was archived as at issue time; none while it is not
    /// archived (yet).
    pub async fn archived_files(
        &self,
        caller: &Caller,
        which: DocumentOf,
    ) -> Result<Option<Vec<ArchivedFile>>, DocumentsError> {
        caller.require(Action::ReadInvoicing)?;
        let (invoice_id, wanted) = which.on_invoice();
        let record = self.record(caller, invoice_id).await?;
        Ok(record
            .archived
            .into_iter()
            .find(|(document, _)| *document == wanted)
            .map(|(_, files)| files))
    }

    /// The invoice's record with its customer and the caller's tenant's
    /// settings as they stand: what every document of it is made from.
    async fn with_parties(
        &self,
        caller: &Caller,
        invoice_id: InvoiceId,
    ) -> Result<(InvoiceRecord, Customer, TenantSettings), DocumentsError> {
        let record = self.record(caller, invoice_id).await?;
        let customer_id = record.customer_id.ok_or(DocumentsError::NotFound)?;
        let customer: Customer =
            load(self.stores.customers.as_ref(), &customer_id.to_string()).await?;
        let settings: TenantSettings =
            load(self.stores.settings.as_ref(), &caller.tenant_id.to_string()).await?;
        Ok((record, customer, settings))
    }

    /// The invoice's events in the caller's tenant, folded for documents.
    async fn record(
        &self,
        caller: &Caller,
        invoice_id: InvoiceId,
    ) -> Result<InvoiceRecord, DocumentsError> {
        let stored = self
            .history
            .stream(caller.tenant_id, "Invoice", &invoice_id.to_string())
            .await?;
        if stored.is_empty() {
            return Err(DocumentsError::NotFound);
        }
        let events = stored
            .into_iter()
            .map(|event| {
                let payload = event
                    .current_payload
                    .map_err(|reason| DocumentsError::Unreadable(reason.into()))?;
                serde_json::from_value::<InvoiceEvent>(payload)
                    .map_err(|e| DocumentsError::Unreadable(Box::new(e)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(InvoiceRecord::from_events(&events))
    }
}

/// An aggregate's current state (empty when it does not exist).
async fn load<A: Decide + 'static>(
    store: &dyn AggregateStore<A>,
    id: &str,
) -> Result<A, DocumentsError> {
    match store.load(id).await {
        Ok(context) => Ok(context.aggregate),
        Err(AggregateError::DatabaseConnectionError(e)) => Err(DocumentsError::Unavailable(e)),
        Err(e) => Err(DocumentsError::Unreadable(e.to_string().into())),
    }
}

/// The files of the CSD `settings` say is in force, from `vault`.
async fn installed_files(
    caller: &Caller,
    settings: &TenantSettings,
    vault: &dyn CsdVault,
) -> Result<CsdFiles, DocumentsError> {
    let installed = settings.csd.as_ref().ok_or(DocumentsError::NoCsd)?;
    vault
        .files(caller.tenant_id, &installed.certificate_number)
        .await
        .map_err(|e| DocumentsError::Unavailable(Box::new(e)))?
        .ok_or(DocumentsError::NoCsd)
}

/// The tenant's CSD in force, opened to seal with.
async fn installed_csd(
    caller: &Caller,
    settings: &TenantSettings,
    vault: &dyn CsdVault,
) -> Result<Csd, DocumentsError> {
    installed_files(caller, settings, vault)
        .await?
        .open()
        .map_err(|error| DocumentsError::NotSealable(error.into()))
}
