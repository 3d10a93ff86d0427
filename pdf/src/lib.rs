//! # folio-pdf
//!
//! The PDFs of invoices and credit notes, laid out by Typst from the one
//! [`Document`] model that the e-invoices are written from too, so the page
//! and the XML can never disagree:
//!
//! - [`locale`]: the languages a PDF is printed in (en, de, es): labels,
//!   dates, separators.
//! - `sheet`: the document turned into the formatted texts the page shows.
//! - [`render`]: Typst as a library, the template in `templates/`, Typst's
//!   embedded fonts; every PDF is a PDF/A-3b dated by its issue date, so the
//!   same document gives the same bytes.
//! - `xmp`: the Factur-X extension schema added to the PDF's metadata.
//! - [`logo`]: which images the PDF prints as the seller's logo.
//! - `cfdi`: the printed representation of a stamped Mexican CFDI, read
//!   from its XML, with SAT's verification QR code ([`printed_cfdi`]).
//!
//! Rendering lives in its own crate because Typst is large (minutes of cold
//! build, tens of megabytes of fonts): nothing else rebuilds with it.

#![deny(missing_docs)]

mod cfdi;
pub mod locale;
pub mod logo;
pub mod render;
mod sheet;
mod xmp;

use folio_documents::{to_cii, Document};

pub use cfdi::CfdiPrintError;
pub use locale::Locale;
pub use render::PdfRenderer;

/// Why a PDF could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// The template failed to compile with this document (a bug, or a
    /// missing font); the message is Typst's.
    #[error("the document template failed: {0}")]
    Template(String),
    /// Typst could not write the PDF (e.g. a PDF/A rule broken).
    #[error("the PDF could not be written: {0}")]
    Export(String),
    /// The stamped CFDI cannot be read, or is not stamped.
    #[error(transparent)]
    Cfdi(#[from] CfdiPrintError),
    /// The written PDF could not be read back to add the Factur-X metadata.
    #[error("the Factur-X metadata could not be added: {0}")]
    Metadata(String),
}

/// The document's PDF (PDF/A-3b) in `locale`, with the seller's `logo` (the
/// image bytes of `doc.seller_logo`) when it has one.
pub fn pdf(
    renderer: &PdfRenderer,
    doc: &Document,
    locale: Locale,
    logo: Option<&[u8]>,
) -> Result<Vec<u8>, PdfError> {
    renderer.render(doc, locale, logo, None)
}

/// The document as Factur-X (EN 16931 profile): its PDF/A-3b in `locale`
/// (with the seller's `logo`, as for [`pdf`]) with the CII embedded as
/// `factur-x.xml` and declared in the PDF's metadata.
pub fn factur_x(
    renderer: &PdfRenderer,
    doc: &Document,
    locale: Locale,
    logo: Option<&[u8]>,
) -> Result<Vec<u8>, PdfError> {
    let pdf = renderer.render(doc, locale, logo, Some(&to_cii(doc)))?;
    xmp::declare_factur_x(&pdf)
}

/// The printed representation of the stamped CFDI `stamped` (its XML): a
/// PDF/A-3b in Spanish with the fiscal folio, the certificates, both seals,
/// the stamp's cadena original and SAT's verification QR code.
pub fn printed_cfdi(renderer: &PdfRenderer, stamped: &[u8]) -> Result<Vec<u8>, PdfError> {
    renderer.render_cfdi(&cfdi::CfdiSheet::of(stamped)?)
}
