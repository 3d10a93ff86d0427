//! The labels a PDF prints, in each language documents are written in
//! ([`Locale`], with its formatting, lives in `folio-documents`).

pub use folio_documents::locale::{Locale, UnknownLocale};

/// Every label a document prints, in one language.
#[derive(Debug)]
pub struct Labels {
    /// The ISO 639-1 code Typst hyphenates with.
    pub lang: &'static str,
    /// The title of an invoice.
    pub invoice: &'static str,
    /// The title of a credit note.
    pub credit_note: &'static str,
    /// The issue date.
    pub issue_date: &'static str,
    /// The due date.
    pub due_date: &'static str,
    /// The date of supply.
    pub delivery_date: &'static str,
    /// The invoice a credit note corrects.
    pub corrects: &'static str,
    /// The buyer's VAT number.
    pub buyer_vat_id: &'static str,
    /// Column: position.
    pub position: &'static str,
    /// Column: description.
    pub description: &'static str,
    /// Column: quantity.
    pub quantity: &'static str,
    /// Column: unit price.
    pub unit_price: &'static str,
    /// Column: discount.
    pub discount: &'static str,
    /// Column and breakdown: VAT.
    pub vat: &'static str,
    /// Column: net amount.
    pub net: &'static str,
    /// Sum of the lines, before the allowances and charges on the whole document.
    pub line_total: &'static str,
    /// An allowance on the whole document, before its reason.
    pub allowance: &'static str,
    /// A charge on the whole document, before its reason.
    pub charge: &'static str,
    /// Total without VAT.
    pub net_total: &'static str,
    /// "of" in "VAT 19% of 1,000.00".
    pub of: &'static str,
    /// Total with VAT.
    pub total: &'static str,
    /// The customer's credit applied as the invoice was issued.
    pub prepaid: &'static str,
    /// What is to be paid.
    pub amount_due: &'static str,
    /// "VAT in" before the accounting currency's code.
    pub vat_in: &'static str,
    /// Under the lines when some are priced with their taxes included; its
    /// mark follows each such unit price.
    pub gross_prices: &'static str,
    /// Heading of the payment instructions.
    pub payment: &'static str,
    /// "Please quote" before the payment reference.
    pub reference: &'static str,
    /// The VAT number in the footer.
    pub vat_id: &'static str,
    /// The tax number in the footer.
    pub tax_number: &'static str,
    /// The company register number in the footer.
    pub register: &'static str,
    /// The page counter, before the page's number.
    pub page: &'static str,
}

const EN: Labels = Labels {
    lang: "en",
    invoice: "Invoice",
    credit_note: "Credit note",
    issue_date: "Date",
    due_date: "Due date",
    delivery_date: "Date of supply",
    corrects: "Corrects invoice",
    buyer_vat_id: "Your VAT number",
    position: "#",
    description: "Description",
    quantity: "Qty",
    unit_price: "Unit price",
    discount: "Discount",
    vat: "VAT",
    net: "Net",
    line_total: "Sum of lines",
    allowance: "Allowance",
    charge: "Charge",
    net_total: "Total without VAT",
    of: "of",
    total: "Total",
    prepaid: "Paid in advance",
    vat_in: "VAT in",
    gross_prices: "* Unit price including VAT",
    amount_due: "Amount due",
    payment: "Payment",
    reference: "Please quote",
    vat_id: "VAT number",
    tax_number: "Tax number",
    register: "Register",
    page: "Page",
};

const DE: Labels = Labels {
    lang: "de",
    invoice: "Rechnung",
    credit_note: "Gutschrift",
    issue_date: "Rechnungsdatum",
    due_date: "Fällig am",
    delivery_date: "Leistungsdatum",
    corrects: "Korrektur zu Rechnung",
    buyer_vat_id: "Ihre USt-IdNr.",
    position: "Pos.",
    description: "Beschreibung",
    quantity: "Menge",
    unit_price: "Einzelpreis",
    discount: "Rabatt",
    vat: "USt.",
    net: "Netto",
    line_total: "Summe Positionen",
    allowance: "Nachlass",
    charge: "Zuschlag",
    net_total: "Summe netto",
    of: "auf",
    total: "Gesamtbetrag",
    prepaid: "Bereits gezahlt",
    vat_in: "USt. in",
    gross_prices: "* Einzelpreis inklusive USt.",
    amount_due: "Zu zahlen",
    payment: "Zahlung",
    reference: "Verwendungszweck",
    vat_id: "USt-IdNr.",
    tax_number: "Steuernummer",
    register: "Handelsregister",
    page: "Seite",
};

const ES: Labels = Labels {
    lang: "es",
    invoice: "Factura",
    credit_note: "Factura rectificativa",
    issue_date: "Fecha",
    due_date: "Vencimiento",
    delivery_date: "Fecha de la operación",
    corrects: "Rectifica la factura",
    buyer_vat_id: "Su NIF-IVA",
    position: "N.º",
    description: "Descripción",
    quantity: "Cant.",
    unit_price: "Precio unitario",
    discount: "Descuento",
    vat: "IVA",
    net: "Neto",
    line_total: "Suma de líneas",
    allowance: "Descuento",
    charge: "Recargo",
    net_total: "Base imponible",
    of: "sobre",
    total: "Total",
    prepaid: "Pagado por anticipado",
    vat_in: "IVA en",
    gross_prices: "* Precio unitario con IVA incluido",
    amount_due: "Importe a pagar",
    payment: "Pago",
    reference: "Indique la referencia",
    vat_id: "NIF-IVA",
    tax_number: "NIF",
    register: "Registro Mercantil",
    page: "Página",
};

/// The labels of `locale`.
pub fn labels(locale: Locale) -> &'static Labels {
    match locale {
        Locale::En => &EN,
        Locale::De => &DE,
        Locale::Es => &ES,
    }
}
