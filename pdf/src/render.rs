//! Typst, as a library, turning a sheet (the page as formatted texts) into
//! PDF bytes. The template is compiled into the binary and the fonts come from
//! Typst's own embedded set (no system fonts), so every machine renders the
//! same bytes.

use folio_documents::model::Document;
use typst::foundations::{Bytes, Datetime, Dict, Smart, Value};
use typst_as_lib::typst_kit_options::TypstKitFontOptions;
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::locale::Locale;
use crate::sheet::Sheet;
use crate::PdfError;

/// The template every invoice and credit note is laid out with.
const TEMPLATE: &str = include_str!("../templates/document.typ");

/// Renders documents; build it once and keep it (it holds the parsed fonts).
pub struct PdfRenderer {
    engine: TypstEngine<TypstTemplateMainFile>,
}

impl std::fmt::Debug for PdfRenderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PdfRenderer")
    }
}

impl Default for PdfRenderer {
    fn default() -> Self {
        Self::new()
    }
}

impl PdfRenderer {
    /// A renderer with the document template and Typst's embedded fonts.
    pub fn new() -> Self {
        let fonts = TypstKitFontOptions::new()
            .include_system_fonts(false)
            .include_embedded_fonts(true);
        PdfRenderer {
            engine: TypstEngine::builder()
                .main_file(TEMPLATE)
                .search_fonts_with(fonts)
                .build(),
        }
    }

    /// The document's PDF/A-3b in `locale`, with the seller's `logo` (bytes
    /// [`crate::logo::inspect`] accepted) if it has one; with `attachment`,
    /// that XML is embedded as `factur-x.xml`, the alternative form of the
    /// document.
    pub(crate) fn render(
        &self,
        doc: &Document,
        locale: Locale,
        logo: Option<&[u8]>,
        attachment: Option<&[u8]>,
    ) -> Result<Vec<u8>, PdfError> {
        let sheet = serde_json::to_string(&Sheet::of(doc, locale))
            .map_err(|e| PdfError::Template(e.to_string()))?;
        let mut inputs = Dict::new();
        inputs.insert("sheet".into(), Value::Str(sheet.as_str().into()));
        if let Some(xml) = attachment {
            let xml = std::str::from_utf8(xml).map_err(|e| PdfError::Template(e.to_string()))?;
            inputs.insert("xml".into(), Value::Str(xml.into()));
        }
        if let Some(logo) = logo {
            inputs.insert("logo".into(), Value::Bytes(Bytes::new(logo.to_vec())));
        }
        let compiled = self.engine.compile_with_input::<_, PagedDocument>(inputs);
        let paged = compiled
            .output
            .map_err(|e| PdfError::Template(e.to_string()))?;
        let options = PdfOptions {
            ident: Smart::Custom(format!("folio {}", doc.number)),
            creator: Smart::Custom(Some("Folio".to_owned())),
            timestamp: issue_timestamp(doc),
            standards: PdfStandards::new(&[PdfStandard::A_3b])
                .map_err(|e| PdfError::Export(e.message().to_string()))?,
            ..PdfOptions::default()
        };
        typst_pdf::pdf(&paged, &options).map_err(|diagnostics| {
            let messages: Vec<String> = diagnostics.iter().map(|d| d.message.to_string()).collect();
            PdfError::Export(messages.join("; "))
        })
    }
}

/// The PDF's creation date: the issue date, so the same document always
/// gives the same bytes.
fn issue_timestamp(doc: &Document) -> Option<Timestamp> {
    use chrono::Datelike;
    let date = doc.issue_date;
    let month = u8::try_from(date.month()).ok()?;
    let day = u8::try_from(date.day()).ok()?;
    Datetime::from_ymd(date.year(), month, day).map(Timestamp::new_utc)
}
