//! What the template prints, every text already written in the document's
//! locale: the [`Document`] turned into labelled, formatted strings. The
//! template receives it as JSON and only lays it out, so every figure on the
//! page is one the tests can read back with `pdftotext`.

use folio_documents::model::{
    AccountingVat, AllowanceCharge, Document, DocumentKind, DocumentLine, VatBreakdown,
};
use folio_domain::adjustment::AdjustmentKind;
use folio_domain::legal_profile::LegalProfile;
use folio_domain::tax::VatCategory;
use serde::Serialize;

use crate::locale::{labels, Labels, Locale};

/// A label and its value, in bold where it is a total the reader looks for.
#[derive(Debug, Serialize)]
pub(crate) struct Field {
    label: String,
    value: String,
    strong: bool,
}

impl Field {
    fn new(label: impl Into<String>, value: String) -> Self {
        Field {
            label: label.into(),
            value,
            strong: false,
        }
    }

    fn strong(label: impl Into<String>, value: String) -> Self {
        Field {
            strong: true,
            ..Field::new(label, value)
        }
    }
}

/// One row of the lines table.
#[derive(Debug, Serialize)]
pub(crate) struct Row {
    position: String,
    description: String,
    quantity: String,
    unit_price: String,
    discount: String,
    vat: String,
    net: String,
}

/// The page, as the template receives it.
#[derive(Debug, Serialize)]
pub(crate) struct Sheet {
    lang: &'static str,
    title: String,
    /// The issue date as `[year, month, day]`, the PDF's document date.
    date: [u32; 3],
    seller: Vec<String>,
    buyer: Vec<String>,
    facts: Vec<Field>,
    columns: [&'static str; 7],
    rows: Vec<Row>,
    /// The totals block: the sum of the lines and each allowance and charge
    /// on the whole document (when it has some), net total, one line per VAT
    /// rate, total, what was paid in advance (when anything), amount due.
    totals: Vec<Field>,
    /// Why no VAT is charged, one sentence per exempt category.
    exemptions: Vec<String>,
    /// What the mark after a unit price means, when a line is priced with its
    /// taxes included.
    price_note: Option<&'static str>,
    notes: Vec<String>,
    payment_heading: &'static str,
    payment: Vec<String>,
    footer: Vec<String>,
    page: &'static str,
}

impl Sheet {
    /// The page of `doc` in `locale`.
    pub(crate) fn of(doc: &Document, locale: Locale) -> Sheet {
        let labels = labels(locale);
        let money = |amount| {
            format!(
                "{} {}",
                locale.fixed(amount, doc.currency.minor_units()),
                doc.currency.code()
            )
        };
        let title = match doc.kind {
            DocumentKind::Invoice => labels.invoice,
            DocumentKind::CreditNote => labels.credit_note,
        };
        Sheet {
            lang: labels.lang,
            title: format!("{title} {}", doc.number),
            date: {
                use chrono::Datelike;
                [
                    doc.issue_date.year().unsigned_abs(),
                    doc.issue_date.month(),
                    doc.issue_date.day(),
                ]
            },
            seller: seller_block(&doc.seller),
            buyer: buyer_block(doc),
            facts: facts(doc, locale, labels),
            columns: [
                labels.position,
                labels.description,
                labels.quantity,
                labels.unit_price,
                labels.discount,
                labels.vat,
                labels.net,
            ],
            rows: doc
                .lines
                .iter()
                .map(|line| Row {
                    position: line.id.clone(),
                    description: line.description.clone(),
                    quantity: locale.plain(line.quantity),
                    unit_price: unit_price(line, locale),
                    discount: line
                        .allowance
                        .as_ref()
                        .map(|a| locale.fixed(a.amount, doc.currency.minor_units()))
                        .unwrap_or_default(),
                    vat: vat_rate(line.vat.category, line.vat.percent, locale),
                    net: locale.fixed(line.net_amount, doc.currency.minor_units()),
                })
                .collect(),
            totals: totals(doc, locale, labels, &money),
            exemptions: exemptions(&doc.vat_breakdown),
            price_note: doc
                .lines
                .iter()
                .any(|line| line.gross_unit_price.is_some())
                .then_some(labels.gross_prices),
            notes: doc.notes.clone(),
            payment_heading: labels.payment,
            payment: payment(doc, labels),
            footer: footer(&doc.seller, labels),
            page: labels.page,
        }
    }
}

/// A line's unit price as quoted: the gross price with a mark for a line
/// priced with its taxes included (the e-invoices state its net).
fn unit_price(line: &DocumentLine, locale: Locale) -> String {
    match line.gross_unit_price {
        Some(gross) => format!("{} *", locale.plain(gross)),
        None => locale.plain(line.unit_price),
    }
}

fn seller_block(seller: &LegalProfile) -> Vec<String> {
    let mut block = vec![seller
        .trading_name
        .clone()
        .unwrap_or_else(|| seller.legal_name.clone())];
    block.extend(seller.address.lines.iter().cloned());
    let postal = &seller.address;
    let city = match &postal.postal_code {
        Some(code) => format!("{code} {}", postal.city),
        None => postal.city.clone(),
    };
    block.push(city);
    block.push(postal.country.clone());
    block
}

fn buyer_block(doc: &Document) -> Vec<String> {
    let mut block = vec![doc.buyer.name.clone()];
    block.extend(doc.buyer.address_lines.iter().cloned());
    block.push(doc.buyer.country.clone());
    block
}

fn facts(doc: &Document, locale: Locale, labels: &Labels) -> Vec<Field> {
    let mut facts = vec![Field::new(labels.issue_date, locale.date(doc.issue_date))];
    if let Some(due) = doc.due_date {
        facts.push(Field::new(labels.due_date, locale.date(due)));
    }
    facts.push(Field::new(
        labels.delivery_date,
        locale.date(doc.delivery.date),
    ));
    if let Some(invoice) = &doc.preceding_invoice {
        let value = format!("{} ({})", invoice.number, locale.date(invoice.issue_date));
        facts.push(Field::new(labels.corrects, value));
    }
    if let Some(vat_id) = &doc.buyer.vat_id {
        facts.push(Field::new(labels.buyer_vat_id, vat_id.clone()));
    }
    facts
}

/// A line's VAT: its rate, or its category's code where none is charged.
fn vat_rate(category: VatCategory, percent: rust_decimal::Decimal, locale: Locale) -> String {
    match category {
        VatCategory::Standard
        | VatCategory::ZeroRated
        | VatCategory::CanaryIslands
        | VatCategory::CeutaMelilla => locale.percent(percent),
        other => other.code().to_owned(),
    }
}

fn totals(
    doc: &Document,
    locale: Locale,
    labels: &Labels,
    money: &dyn Fn(rust_decimal::Decimal) -> String,
) -> Vec<Field> {
    let mut totals = Vec::new();
    if !doc.allowances_charges.is_empty() {
        totals.push(Field::new(
            labels.line_total,
            money(doc.totals.line_net_total),
        ));
        for adjustment in &doc.allowances_charges {
            totals.push(adjustment_field(adjustment, locale, labels, money));
        }
    }
    totals.push(Field::new(
        labels.net_total,
        money(doc.totals.tax_exclusive),
    ));
    for entry in &doc.vat_breakdown {
        let label = format!(
            "{} {} {} {}",
            labels.vat,
            vat_rate(entry.key.category, entry.key.percent, locale),
            labels.of,
            money(entry.taxable_amount),
        );
        totals.push(Field::new(label, money(entry.tax_amount)));
    }
    totals.push(Field::strong(labels.total, money(doc.totals.tax_inclusive)));
    if let Some(prepaid) = doc.totals.prepaid {
        totals.push(Field::new(labels.prepaid, money(-prepaid)));
    }
    totals.push(Field::strong(labels.amount_due, money(doc.totals.payable)));
    if let Some(accounting) = &doc.accounting_vat {
        totals.push(accounting_vat_field(doc, accounting, locale, labels));
    }
    totals
}

/// The VAT in the seller's accounting currency, with the rate and its day:
/// `VAT in EUR (1 USD = 0.9215 EUR, 4 Dec 2026)  87.10 EUR`.
fn accounting_vat_field(
    doc: &Document,
    accounting: &AccountingVat,
    locale: Locale,
    labels: &Labels,
) -> Field {
    let books = accounting.currency.code();
    let label = format!(
        "{} {books} (1 {} = {} {books}, {})",
        labels.vat_in,
        doc.currency.code(),
        locale.plain(accounting.exchange_rate),
        locale.date(accounting.rate_date),
    );
    let places = accounting.currency.minor_units();
    let value = format!("{} {books}", locale.fixed(accounting.tax_total, places));
    Field::new(label, value)
}

/// An allowance (`-20.00 EUR`, negative as a deduction line prints) or a
/// charge on the whole document, labelled with
/// its reason (or its code), its percentage of what and its VAT rate.
fn adjustment_field(
    adjustment: &AllowanceCharge,
    locale: Locale,
    labels: &Labels,
    money: &dyn Fn(rust_decimal::Decimal) -> String,
) -> Field {
    let (kind, signed) = match adjustment.kind {
        AdjustmentKind::Allowance => (labels.allowance, -adjustment.amount),
        AdjustmentKind::Charge => (labels.charge, adjustment.amount),
    };
    let mut label = kind.to_owned();
    if let Some(why) = adjustment
        .reason
        .as_ref()
        .or(adjustment.reason_code.as_ref())
    {
        label = format!("{label}: {why}");
    }
    if let (Some(percent), Some(base)) = (adjustment.percent, adjustment.base_amount) {
        let share = format!("{} {} {}", locale.percent(percent), labels.of, money(base));
        label = format!("{label}, {share}");
    }
    let vat = vat_rate(adjustment.vat.category, adjustment.vat.percent, locale);
    label = format!("{label} ({} {vat})", labels.vat);
    Field::new(label, money(signed))
}

fn exemptions(breakdown: &[VatBreakdown]) -> Vec<String> {
    breakdown
        .iter()
        .filter_map(|entry| {
            let exemption = entry.exemption.as_ref()?;
            let text = match (&exemption.reason, &exemption.code) {
                (Some(reason), Some(code)) => format!("{reason} ({code})"),
                (Some(reason), None) => reason.clone(),
                (None, Some(code)) => code.clone(),
                (None, None) => return None,
            };
            Some(format!("{}: {text}", entry.key.category.code()))
        })
        .collect()
}

fn payment(doc: &Document, labels: &Labels) -> Vec<String> {
    // The terms in words are English in the model; the due date among the
    // facts says the same in the page's language.
    let mut lines = Vec::new();
    if let Some(payment) = &doc.payment {
        lines.push(format!("IBAN {}", payment.iban));
        if let Some(bic) = &payment.bic {
            lines.push(format!("BIC {bic}"));
        }
        lines.push(format!("{}: {}", labels.reference, payment.remittance));
    }
    lines
}

fn footer(seller: &LegalProfile, labels: &Labels) -> Vec<String> {
    let mut footer = vec![seller.legal_name.clone()];
    if let Some(vat_id) = &seller.vat_id {
        footer.push(format!("{} {vat_id}", labels.vat_id));
    }
    if let Some(tax_number) = &seller.tax_registration_id {
        footer.push(format!("{} {tax_number}", labels.tax_number));
    }
    if let Some(register) = &seller.company_id {
        footer.push(format!("{} {register}", labels.register));
    }
    if let Some(email) = &seller.email {
        footer.push(email.clone());
    }
    if let Some(phone) = &seller.phone {
        footer.push(phone.clone());
    }
    footer
}
