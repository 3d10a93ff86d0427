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

use crate::cfdi::CfdiSheet;
use crate::locale::Locale;
use crate::sheet::Sheet;
use crate::PdfError;

/// The template every invoice and credit note is laid out with.
const TEMPLATE: &str = include_str!("../templates/document.typ");

/// The template of a stamped CFDI's printed representation.
const CFDI_TEMPLATE: &str = include_str!("../templates/cfdi.typ");

/// Renders documents; build it once and keep it (it holds the parsed fonts).
pub struct PdfRenderer {
    engine: TypstEngine<TypstTemplateMainFile>,
    cfdi_engine: TypstEngine<TypstTemplateMainFile>,
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
        let fonts = || {
            TypstKitFontOptions::new()
                .include_system_fonts(false)
                .include_embedded_fonts(true)
        };
        PdfRenderer {
            engine: TypstEngine::builder()
                .main_file(TEMPLATE)
                .search_fonts_with(fonts())
                .build(),
            cfdi_engine: TypstEngine::builder()
                .main_file(CFDI_TEMPLATE)
                .search_fonts_with(fonts())
                .build(),
        }
    }

    /// The printed representation of the stamped CFDI `sheet`, a PDF/A-3b
    /// dated by the CFDI's `Fecha`.
    pub(crate) fn render_cfdi(&self, sheet: &CfdiSheet) -> Result<Vec<u8>, PdfError> {
        let json = serde_json::to_string(sheet).map_err(|e| PdfError::Template(e.to_string()))?;
        let mut inputs = Dict::new();
        inputs.insert("sheet".into(), Value::Str(json.as_str().into()));
        inputs.insert("qr".into(), Value::Str(sheet.qr_svg.as_str().into()));
        let compiled = self
            .cfdi_engine
            .compile_with_input::<_, PagedDocument>(inputs);
        let paged = compiled
            .output
            .map_err(|e| PdfError::Template(e.to_string()))?;
        let [year, month, day] = sheet.date;
        let timestamp = Datetime::from_ymd(
            i32::try_from(year).unwrap_or_default(),
            u8::try_from(month).unwrap_or_default(),
            u8::try_from(day).unwrap_or_default(),
        )
        .map(Timestamp::new_utc);
        export(&paged, &sheet.title, timestamp)
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
        export(&paged, &doc.number.to_string(), issue_timestamp(doc))
    }
}

/// `paged` as a PDF/A-3b identified by `ident` and dated `timestamp`.
fn export(
    paged: &PagedDocument,
    ident: &str,
    timestamp: Option<Timestamp>,
) -> Result<Vec<u8>, PdfError> {
    let options = PdfOptions {
        ident: Smart::Custom(format!("folio {ident}")),
        creator: Smart::Custom(Some("Folio".to_owned())),
        timestamp,
        standards: PdfStandards::new(&[PdfStandard::A_3b])
            .map_err(|e| PdfError::Export(e.message().to_string()))?,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(paged, &options).map_err(|diagnostics| {
        let messages: Vec<String> = diagnostics.iter().map(|d| d.message.to_string()).collect();
        PdfError::Export(messages.join("; "))
    })
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
