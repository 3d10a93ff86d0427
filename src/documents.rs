//! `folio documents`: an operator renders the document of an issued invoice or
//! credit note, in any of its forms, from what the stores hold now.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use folio::wiring::App;
use folio_commands::documents::DocumentOf;
use folio_commands::{Caller, Role};
use folio_domain::ids::{CreditNoteId, InvoiceId, TenantId, UserId};
use folio_pdf::{Locale, PdfRenderer};

/// The forms a document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocumentFormat {
    /// The printable PDF (PDF/A-3b).
    Pdf,
    /// Factur-X: the PDF/A-3b with the CII embedded (EN 16931 profile).
    FacturX,
    /// UBL 2.1 Invoice or CreditNote (Peppol BIS Billing 3.0).
    Ubl,
    /// UN/CEFACT Cross Industry Invoice (XRechnung CII, Factur-X EN 16931).
    Cii,
}

/// What `folio documents` does.
#[derive(Debug, Subcommand)]
pub enum DocumentsAction {
    /// Write the document of an issued invoice (or of one of its credit notes)
    /// to a file or standard output. Refused with the rule it would break when
    /// the invoice, its customer or the tenant's legal profile lacks what the
    /// document must say.
    Render {
        /// The tenant the invoice belongs to.
        #[arg(long)]
        tenant: uuid::Uuid,
        /// The invoice.
        #[arg(long)]
        invoice: uuid::Uuid,
        /// One of the invoice's credit notes instead of the invoice itself.
        #[arg(long)]
        credit_note: Option<uuid::Uuid>,
        /// The form to write.
        #[arg(long, value_enum, default_value_t = DocumentFormat::Pdf)]
        format: DocumentFormat,
        /// The language of a PDF's labels, dates and numbers: en, de or es.
        #[arg(long, default_value = "en")]
        locale: String,
        /// Where to write it; standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Who asks (recorded nowhere: rendering changes nothing).
        #[arg(long, env = "USER", default_value = "operator")]
        by: String,
    },
}

/// Runs `action` against `backend`.
pub async fn run(backend: &App, action: DocumentsAction) -> anyhow::Result<()> {
    let DocumentsAction::Render {
        tenant,
        invoice,
        credit_note,
        format,
        locale,
        out,
        by,
    } = action;
    let locale: Locale = locale.parse()?;
    // The operator, who reached the database itself, reads as an auditor.
    let operator = Caller::new(
        TenantId(tenant),
        UserId::new(format!("cli:{by}")),
        vec![Role::Auditor],
    );
    let which = match credit_note {
        Some(note) => DocumentOf::CreditNote(InvoiceId(invoice), CreditNoteId(note)),
        None => DocumentOf::Invoice(InvoiceId(invoice)),
    };
    let document = backend.documents.document(&operator, which).await?;
    let bytes = match format {
        DocumentFormat::Ubl => folio_documents::to_ubl(&document),
        DocumentFormat::Cii => folio_documents::to_cii(&document),
        DocumentFormat::Pdf => folio_pdf::pdf(&PdfRenderer::new(), &document, locale)?,
        DocumentFormat::FacturX => folio_pdf::factur_x(&PdfRenderer::new(), &document, locale)?,
    };
    match out {
        Some(path) => std::fs::write(&path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(())
}
