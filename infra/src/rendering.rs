//! The [`DocumentRenderer`] port over the workspace's writers: Factur-X from
//! `folio-pdf` (Typst), UBL from `folio-documents`.

use std::sync::OnceLock;

use folio_commands::{DocumentRenderer, LogoFacts, LogoRefused, RenderError, Rendered};
use folio_documents::{to_ubl, Document};
use folio_domain::invoice::ArchivedFormat;
use folio_pdf::{factur_x, printed_cfdi, Locale, PdfRenderer};

/// Renders archived documents; the PDF's language is the seller's. Typst and
/// its fonts are loaded at the first PDF, not when `folio serve` starts: a
/// process that archives nothing does not carry them.
#[derive(Debug, Default)]
pub struct WorkspaceRenderer {
    pdf: OnceLock<PdfRenderer>,
}

impl DocumentRenderer for WorkspaceRenderer {
    fn render(
        &self,
        document: &Document,
        logo: Option<&[u8]>,
        format: ArchivedFormat,
    ) -> Result<Rendered, RenderError> {
        match format {
            ArchivedFormat::FacturX => {
                let pdf = self.pdf.get_or_init(PdfRenderer::new);
                factur_x(pdf, document, seller_language(document), logo)
                    .map(|bytes| Rendered {
                        bytes,
                        content_type: "application/pdf",
                    })
                    .map_err(|e| RenderError(e.to_string()))
            }
            ArchivedFormat::Ubl => Ok(Rendered {
                bytes: to_ubl(document),
                content_type: "application/xml",
            }),
            ArchivedFormat::Cfdi | ArchivedFormat::CfdiPdf => Err(RenderError(format!(
                "{format:?} is made from the stamped CFDI, not from the EN 16931 document"
            ))),
        }
    }

    fn printed_cfdi(&self, stamped: &[u8]) -> Result<Rendered, RenderError> {
        let pdf = self.pdf.get_or_init(PdfRenderer::new);
        printed_cfdi(pdf, stamped)
            .map(|bytes| Rendered {
                bytes,
                content_type: "application/pdf",
            })
            .map_err(|e| RenderError(e.to_string()))
    }

    fn inspect_logo(&self, bytes: &[u8]) -> Result<LogoFacts, LogoRefused> {
        let image = folio_pdf::logo::inspect(bytes).map_err(|e| LogoRefused(e.to_string()))?;
        Ok(LogoFacts {
            content_type: image.content_type,
            width_px: image.width_px,
            height_px: image.height_px,
        })
    }
}

/// The language an archived PDF is printed in: the one of the seller's
/// country where Folio writes it (German, Spanish), English elsewhere.
fn seller_language(document: &Document) -> Locale {
    Locale::of_country(&document.seller.address.country)
}
