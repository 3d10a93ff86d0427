//! `folio documents`: an operator renders the document of an issued invoice or
//! credit note, in any of its forms, from what the stores hold now; or exports
//! the files archived when it was issued, exactly as they were stored.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use folio::wiring::App;
use folio_commands::archiving::seller_logo;
use folio_commands::documents::DocumentOf;
use folio_commands::{BlobAddress, Caller, Role};
use folio_domain::ids::{CreditNoteId, InvoiceId, TenantId, UserId};
use folio_domain::invoice::ArchivedFormat;
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
    /// Mexico's CFDI 4.0, sealed now with the tenant's CSD (an invoice
    /// issued under the MX jurisdiction; not yet stamped by a PAC).
    Cfdi,
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
        /// The invoice's id; its credit notes come with it.
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
    /// Write a file archived when the document was issued, from the blob store
    /// (FOLIO_BLOB_STORE), checked against the SHA-256 recorded on the invoice:
    /// what the customer received, not a new rendering. Refused while the
    /// document is not archived.
    Export {
        /// The tenant the invoice belongs to.
        #[arg(long)]
        tenant: uuid::Uuid,
        /// The invoice's id; its credit notes come with it.
        #[arg(long)]
        invoice: uuid::Uuid,
        /// One of the invoice's credit notes instead of the invoice itself.
        #[arg(long)]
        credit_note: Option<uuid::Uuid>,
        /// The archived form: factur-x (the PDF) or ubl.
        #[arg(long, value_enum, default_value_t = ArchivedForm::FacturX)]
        format: ArchivedForm,
        /// Where to write it; standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Who asks (recorded nowhere: exporting changes nothing).
        #[arg(long, env = "USER", default_value = "operator")]
        by: String,
    },
}

/// The forms a document is archived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ArchivedForm {
    /// Factur-X: the PDF/A-3b with the CII embedded.
    FacturX,
    /// UBL 2.1.
    Ubl,
    /// Mexico: the stamped CFDI 4.0.
    Cfdi,
    /// Mexico: the stamped CFDI's printed representation.
    CfdiPdf,
}

/// The operator, who reached the database itself, reads as an auditor.
fn operator(tenant: uuid::Uuid, by: &str) -> Caller {
    Caller::new(
        TenantId(tenant),
        UserId::new(format!("cli:{by}")),
        vec![Role::Auditor],
    )
}

fn which(invoice: uuid::Uuid, credit_note: Option<uuid::Uuid>) -> DocumentOf {
    match credit_note {
        Some(note) => DocumentOf::CreditNote(InvoiceId(invoice), CreditNoteId(note)),
        None => DocumentOf::Invoice(InvoiceId(invoice)),
    }
}

fn write_out(out: Option<PathBuf>, bytes: &[u8]) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
        }
        None => Ok(std::io::stdout().lock().write_all(bytes)?),
    }
}

/// The document `which` in `format` (a form written from the EN 16931
/// document model).
async fn rendered(
    backend: &App,
    operator: &Caller,
    which: DocumentOf,
    format: DocumentFormat,
    locale: Locale,
) -> anyhow::Result<Vec<u8>> {
    let document = backend.documents.document(operator, which).await?;
    let logo = seller_logo(backend.blobs.as_ref(), &document).await?;
    let logo = logo.as_deref();
    Ok(match format {
        DocumentFormat::Ubl => folio_documents::to_ubl(&document),
        DocumentFormat::Cii => folio_documents::to_cii(&document),
        DocumentFormat::Pdf => folio_pdf::pdf(&PdfRenderer::new(), &document, locale, logo)?,
        DocumentFormat::FacturX => {
            folio_pdf::factur_x(&PdfRenderer::new(), &document, locale, logo)?
        }
        DocumentFormat::Cfdi => {
            anyhow::bail!("a CFDI is sealed, not written from the EN 16931 model")
        }
    })
}

/// Runs `action` against `backend` (exports read its blob store).
pub async fn run(backend: &App, action: DocumentsAction) -> anyhow::Result<()> {
    match action {
        DocumentsAction::Render {
            tenant,
            invoice,
            credit_note,
            format,
            locale,
            out,
            by,
        } => {
            let locale: Locale = locale.parse()?;
            let operator = operator(tenant, &by);
            let bytes = match format {
                DocumentFormat::Cfdi => {
                    let vault = backend.csd_vault();
                    let invoice = InvoiceId::from_uuid(invoice);
                    let at = chrono::Utc::now();
                    let documents = &backend.documents;
                    documents
                        .cfdi(&operator, invoice, vault.as_ref(), at)
                        .await?
                        .xml
                }
                _ => {
                    let which = which(invoice, credit_note);
                    rendered(backend, &operator, which, format, locale).await?
                }
            };
            write_out(out, &bytes)
        }
        DocumentsAction::Export {
            tenant,
            invoice,
            credit_note,
            format,
            out,
            by,
        } => {
            let operator = operator(tenant, &by);
            let files = backend
                .documents
                .archived_files(&operator, which(invoice, credit_note))
                .await?
                .context("this document is not archived (yet): `folio serve` archives issued documents once the tenant's legal profile is stated")?;
            let wanted = match format {
                ArchivedForm::FacturX => ArchivedFormat::FacturX,
                ArchivedForm::Ubl => ArchivedFormat::Ubl,
                ArchivedForm::Cfdi => ArchivedFormat::Cfdi,
                ArchivedForm::CfdiPdf => ArchivedFormat::CfdiPdf,
            };
            let file = files
                .iter()
                .find(|file| file.format == wanted)
                .context("this document was not archived in that form")?;
            let address = BlobAddress::parse(&file.sha256)
                .context("the recorded SHA-256 is not 64 hex digits")?;
            // The store checks the bytes against their address, the recorded hash.
            let bytes = backend.blobs.get(&address).await?;
            write_out(out, &bytes)
        }
    }
}
