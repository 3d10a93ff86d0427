//! The languages a PDF is printed in: its labels, and how it writes dates,
//! amounts and rates. Formatting is done here, in Rust and tested, so the
//! template only lays out text.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// A language documents are printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    /// English: `2 November 2026`, `1,234.56`.
    En,
    /// German: `02.11.2026`, `1.234,56`.
    De,
    /// Spanish: `02/11/2026`, `1.234,56`.
    Es,
}

/// Why a locale name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a language documents are printed in (en, de, es)")]
pub struct UnknownLocale(pub String);

impl std::str::FromStr for Locale {
    type Err = UnknownLocale;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim().to_ascii_lowercase().as_str() {
            "en" => Ok(Locale::En),
            "de" => Ok(Locale::De),
            "es" => Ok(Locale::Es),
            _ => Err(UnknownLocale(name.to_owned())),
        }
    }
}

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

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Locale {
    /// The locale's labels.
    pub fn labels(self) -> &'static Labels {
        match self {
            Locale::En => &EN,
            Locale::De => &DE,
            Locale::Es => &ES,
        }
    }

    /// A date as the locale writes it.
    pub fn date(self, date: NaiveDate) -> String {
        match self {
            Locale::En => {
                let month = EN_MONTHS[date.month0() as usize];
                format!("{} {month} {}", date.day(), date.year())
            }
            Locale::De => date.format("%d.%m.%Y").to_string(),
            Locale::Es => date.format("%d/%m/%Y").to_string(),
        }
    }

    fn separators(self) -> (char, char) {
        match self {
            Locale::En => (',', '.'),
            Locale::De | Locale::Es => ('.', ','),
        }
    }

    /// A number at exactly `places` decimals, with the locale's thousands and
    /// decimal separators (`-1,234.50`, `-1.234,50`).
    pub fn fixed(self, number: Decimal, places: u32) -> String {
        let text = format!("{:.*}", places as usize, number.abs());
        self.grouped(&text, number.is_sign_negative() && !number.is_zero())
    }

    /// A quantity, price or rate at its own precision, without trailing
    /// zeros (`12.5`, `0.625`, `19`).
    pub fn plain(self, number: Decimal) -> String {
        let text = number.abs().normalize().to_string();
        self.grouped(&text, number.is_sign_negative() && !number.is_zero())
    }

    /// A rate in percent (`19%`, `19 %`).
    pub fn percent(self, percent: Decimal) -> String {
        match self {
            Locale::En => format!("{}%", self.plain(percent)),
            Locale::De | Locale::Es => format!("{}\u{a0}%", self.plain(percent)),
        }
    }

    fn grouped(self, text: &str, negative: bool) -> String {
        let (thousands, decimal) = self.separators();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits: Vec<char> = whole.chars().collect();
        let mut out = String::new();
        if negative {
            out.push('-');
        }
        for (index, digit) in digits.iter().enumerate() {
            if index > 0 && (digits.len() - index) % 3 == 0 {
                out.push(thousands);
            }
            out.push(*digit);
        }
        if !fraction.is_empty() {
            out.push(decimal);
            out.push_str(fraction);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn amounts_take_the_locale_s_separators() {
        assert_eq!(Locale::En.fixed(dec!(1234567.5), 2), "1,234,567.50");
        assert_eq!(Locale::De.fixed(dec!(1234567.5), 2), "1.234.567,50");
        assert_eq!(Locale::Es.fixed(dec!(-200), 2), "-200,00");
        assert_eq!(Locale::En.fixed(dec!(999), 0), "999");
        assert_eq!(Locale::En.fixed(dec!(-0.00), 2), "0.00");
    }

    #[test]
    fn quantities_and_rates_keep_their_own_precision() {
        assert_eq!(Locale::De.plain(dec!(12.500)), "12,5");
        assert_eq!(Locale::En.plain(dec!(0.625)), "0.625");
        assert_eq!(Locale::En.percent(dec!(19.00)), "19%");
        assert_eq!(Locale::De.percent(dec!(7)), "7\u{a0}%");
    }

    #[test]
    fn dates_are_written_the_locale_s_way() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        assert_eq!(Locale::En.date(date), "2 November 2026");
        assert_eq!(Locale::De.date(date), "02.11.2026");
        assert_eq!(Locale::Es.date(date), "02/11/2026");
    }

    #[test]
    fn a_locale_is_named_by_its_language_code() {
        assert_eq!("DE".parse::<Locale>(), Ok(Locale::De));
        assert_eq!("fr".parse::<Locale>(), Err(UnknownLocale("fr".to_owned())));
    }
}
