//! Building the [`Document`] of an issued invoice or of one of its credit notes
//! from the invoice's [`InvoiceRecord`], the seller's legal profile and the
//! customer. Every amount comes from the events; nothing is recomputed except
//! a credited line's discount, which is what the line's quantity and price do
//! not explain of its credited net.
//!
//! The EN 16931 rules that depend on the data (a VAT per line, the VAT numbers
//! a category requires, exemption reasons) are checked here and refused with a
//! [`DocumentError`], so no writer ever produces a document a validator
//! rejects for want of data.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use folio_domain::adjustment::{AdjustmentKind, AdjustmentSize, IssuedAdjustment};
use folio_domain::customer::Customer;
use folio_domain::exchange::AccountingTotals;
use folio_domain::ids::CreditNoteId;
use folio_domain::invoice::{CreditedLine, DueTerms, IssuedLine};
use folio_domain::legal_profile::LegalProfile;
use folio_domain::money::{round_to_minor_unit, Currency, MAX_PRICE_SCALE};
use folio_domain::pricing::{DocumentTotals, PriceBasis, TaxTotal};
use folio_domain::tax::{TaxRate, TaxTreatment, VatCategory, VatExemption};
use rust_decimal::Decimal;

use crate::error::DocumentError;
use crate::model::{
    AccountingVat, AllowanceCharge, Buyer, Delivery, Document, DocumentKind, DocumentLine,
    InvoiceReference, LineAllowance, PaymentInstructions, Totals, VatBreakdown, VatKey,
};
use crate::record::{InvoiceRecord, IssuedCreditNote, IssuedInvoice};

/// Lines without a unit of their own are counted in UN/ECE Rec. 20 `C62`
/// ("one"): Folio's lines state no unit yet.
const UNIT_CODE: &str = "C62";

/// Countries whose IBANs take SEPA credit transfers (UNCL4461 `58`).
const SEPA: [&str; 36] = [
    "AD", "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GI", "GR",
    "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MC", "MT", "NL", "NO", "PL", "PT", "RO",
    "SE", "SI", "SK", "SM",
];

/// The document of an issued invoice.
pub fn invoice_document(
    record: &InvoiceRecord,
    seller: Option<&LegalProfile>,
    customer: &Customer,
) -> Result<Document, DocumentError> {
    let (issued, currency) = issued(record)?;
    let lines = issued
        .lines
        .iter()
        .enumerate()
        .map(|(index, line)| invoice_line(index + 1, line))
        .collect::<Result<Vec<_>, _>>()?;
    let allowances_charges = issued
        .adjustments
        .iter()
        .map(allowance_charge)
        .collect::<Result<Vec<_>, _>>()?;
    let number = issued.number.to_string();
    let (seller, buyer, vat_breakdown) = parties(&lines, &issued.totals, seller, customer)?;
    let delivery = delivery(&vat_breakdown, issued.issue_date, &buyer);
    let payment = seller
        .bank_account
        .as_ref()
        .map(|account| PaymentInstructions {
            means_code: if SEPA.contains(&&account.iban[..2]) {
                "58"
            } else {
                "30"
            },
            remittance: number.clone(),
            iban: account.iban.clone(),
            account_name: account.account_name.clone(),
            bic: account.bic.clone(),
        });
    Ok(Document {
        kind: DocumentKind::Invoice,
        number,
        issue_date: issued.issue_date,
        due_date: Some(issued.due_date),
        payment_terms: record.due_terms.as_ref().map(terms_in_words),
        currency,
        notes: record.notes.iter().cloned().collect(),
        preceding_invoice: None,
        seller,
        buyer,
        delivery,
        payment,
        totals: Totals {
            prepaid: issued.prepaid,
            payable: issued.totals.total - issued.prepaid.unwrap_or_default(),
            ..totals(&issued.totals, &lines, &allowances_charges)
        },
        lines,
        allowances_charges,
        vat_breakdown,
        accounting_vat: issued.accounting.as_ref().map(accounting_vat),
        seller_logo: None,
    })
}

/// The VAT of a document booked in the accounting currency.
fn accounting_vat(accounting: &AccountingTotals) -> AccountingVat {
    let rate = &accounting.exchange_rate;
    AccountingVat {
        currency: rate.rate.to,
        tax_total: accounting.tax_total,
        exchange_rate: rate.rate.rate,
        rate_date: rate.date,
    }
}

/// The document of a credit note issued against the invoice.
pub fn credit_note_document(
    record: &InvoiceRecord,
    credit_note_id: CreditNoteId,
    seller: Option<&LegalProfile>,
    customer: &Customer,
) -> Result<Document, DocumentError> {
    let (issued, currency) = issued(record)?;
    let note = record
        .credit_notes
        .iter()
        .find(|note| note.credit_note_id == credit_note_id)
        .ok_or(DocumentError::UnknownCreditNote(credit_note_id))?;
    let lines = credit_note_lines(note, issued, currency)?;
    let (seller, buyer, vat_breakdown) = parties(&lines, &note.totals, seller, customer)?;
    let invoice_number = issued.number.to_string();
    let delivery = delivery(&vat_breakdown, issued.issue_date, &buyer);
    Ok(Document {
        kind: DocumentKind::CreditNote,
        number: note.number.to_string(),
        issue_date: note.issue_date,
        due_date: None,
        payment_terms: Some(format!("Credited against invoice {invoice_number}")),
        currency,
        notes: vec![note.reason.clone()],
        preceding_invoice: Some(InvoiceReference {
            number: invoice_number,
            issue_date: issued.issue_date,
        }),
        seller,
        buyer,
        delivery,
        payment: None,
        totals: totals(&note.totals, &lines, &[]),
        lines,
        allowances_charges: Vec::new(),
        vat_breakdown,
        accounting_vat: note.accounting.as_ref().map(accounting_vat),
        seller_logo: None,
    })
}

/// The date of supply (BT-72) and, for an intra-community supply, the
/// destination (BR-IC-11, BR-IC-12). Invoices state no supply date of their
/// own yet, so the invoice's issue date is the date of supply (the usual
/// "date of supply = date of invoice"), and goods go to the buyer's country.
fn delivery(breakdown: &[VatBreakdown], issued_on: NaiveDate, buyer: &Buyer) -> Delivery {
    let intra_community = breakdown
        .iter()
        .any(|entry| entry.key.category == VatCategory::IntraCommunity);
    Delivery {
        date: issued_on,
        country: intra_community.then(|| buyer.country.clone()),
    }
}

pub(crate) fn issued(record: &InvoiceRecord) -> Result<(&IssuedInvoice, Currency), DocumentError> {
    let issued = record.issued.as_ref().ok_or(DocumentError::NotIssued)?;
    let currency = record.currency.ok_or(DocumentError::NotIssued)?;
    if currency.minor_units() > 2 {
        return Err(DocumentError::CurrencyDecimals(currency.code().to_owned()));
    }
    Ok((issued, currency))
}

fn terms_in_words(terms: &DueTerms) -> String {
    match terms {
        DueTerms::NetDays { days: 0 } => "Due on receipt".to_owned(),
        DueTerms::NetDays { days } => format!("Payable within {days} days"),
        DueTerms::OnDate { date } => format!("Payable by {date}"),
    }
}

/// The totals: BT-106 is the sum of the document's lines, BT-107 and BT-108
/// the sums of its allowances and charges (stated only when it has some), the
/// rest as issued, with nothing paid in advance.
fn totals(totals: &DocumentTotals, lines: &[DocumentLine], adjusted: &[AllowanceCharge]) -> Totals {
    let sum_of = |kind| {
        let mut of_kind = adjusted.iter().filter(|a| a.kind == kind).peekable();
        of_kind.peek()?;
        Some(of_kind.map(|a| a.amount).sum())
    };
    Totals {
        line_net_total: lines.iter().map(|line| line.net_amount).sum(),
        allowance_total: sum_of(AdjustmentKind::Allowance),
        charge_total: sum_of(AdjustmentKind::Charge),
        tax_exclusive: totals.net_total,
        tax_total: totals.tax_total,
        tax_inclusive: totals.total,
        prepaid: None,
        payable: totals.total,
    }
}

/// An issued allowance or charge with its VAT category and rate.
fn allowance_charge(issued: &IssuedAdjustment) -> Result<AllowanceCharge, DocumentError> {
    let adjustment = &issued.adjustment;
    let percent = match adjustment.size {
        AdjustmentSize::Percent { percent } => Some(percent),
        AdjustmentSize::Amount { .. } => None,
    };
    Ok(AllowanceCharge {
        kind: adjustment.kind,
        amount: issued.priced.amount,
        base_amount: issued.priced.base_amount,
        percent,
        reason: adjustment.reason.clone(),
        reason_code: adjustment.reason_code.clone(),
        vat: vat_of(&adjustment.tax)?.0,
    })
}

/// The net price of one unit (BT-146): as stated for a net line; for a line
/// priced with its taxes included, its net before the discount divided by
/// its quantity, at up to 6 decimals.
fn net_unit_price(line: &IssuedLine) -> Decimal {
    match line.item.price_basis {
        PriceBasis::Net => line.item.unit_price,
        PriceBasis::Gross => {
            let net = line.priced.net_amount + line.priced.discount_amount;
            (net / line.item.quantity)
                .round_dp(MAX_PRICE_SCALE)
                .normalize()
        }
    }
}

/// The quoted price of one unit of a line priced with its taxes included.
fn gross_unit_price(line: &IssuedLine) -> Option<Decimal> {
    (line.item.price_basis == PriceBasis::Gross).then_some(line.item.unit_price)
}

fn invoice_line(position: usize, line: &IssuedLine) -> Result<DocumentLine, DocumentError> {
    let discount = line.priced.discount_amount;
    Ok(DocumentLine {
        id: position.to_string(),
        description: line.item.description.clone(),
        quantity: line.item.quantity,
        unit_code: UNIT_CODE,
        unit_price: net_unit_price(line),
        gross_unit_price: gross_unit_price(line),
        allowance: (!discount.is_zero()).then(|| LineAllowance {
            amount: discount,
            reason: "Discount".to_owned(),
        }),
        net_amount: line.priced.net_amount,
        vat: line_vat(position, &line.item.taxes)?,
    })
}

fn credit_note_lines(
    note: &IssuedCreditNote,
    issued: &IssuedInvoice,
    currency: Currency,
) -> Result<Vec<DocumentLine>, DocumentError> {
    if note.lines.is_empty() {
        return amount_only_lines(note);
    }
    note.lines
        .iter()
        .enumerate()
        .map(|(index, credited)| {
            let line = issued
                .lines
                .iter()
                .find(|line| line.line_id == credited.line_id)
                .ok_or(DocumentError::CreditedLineUnknown(note.credit_note_id))?;
            credited_line(index + 1, credited, line, issued, currency)
        })
        .collect()
}

/// A credited quantity of an issued line, at the line's price; a discounted
/// line's credited net is below quantity × price, and the difference is its
/// allowance.
fn credited_line(
    position: usize,
    credited: &CreditedLine,
    line: &IssuedLine,
    issued: &IssuedInvoice,
    currency: Currency,
) -> Result<DocumentLine, DocumentError> {
    let unit_price = net_unit_price(line);
    let gross = round_to_minor_unit(
        credited.quantity * unit_price,
        currency,
        issued.rounding.mode,
    );
    let discount = gross - credited.net_amount;
    Ok(DocumentLine {
        id: position.to_string(),
        description: line.item.description.clone(),
        quantity: credited.quantity,
        unit_code: UNIT_CODE,
        unit_price,
        gross_unit_price: gross_unit_price(line),
        allowance: (discount > Decimal::ZERO && line.item.discount.is_some()).then(|| {
            LineAllowance {
                amount: discount,
                reason: "Discount".to_owned(),
            }
        }),
        net_amount: credited.net_amount,
        vat: line_vat(position, &line.item.taxes)?,
    })
}

/// An amount-only credit note: one line per credited rate, its base at
/// quantity 1, described by the note's reason.
fn amount_only_lines(note: &IssuedCreditNote) -> Result<Vec<DocumentLine>, DocumentError> {
    if note.totals.tax_totals.is_empty() {
        return Err(DocumentError::UntaxedCredit);
    }
    note.totals
        .tax_totals
        .iter()
        .enumerate()
        .map(|(index, total)| {
            Ok(DocumentLine {
                id: (index + 1).to_string(),
                description: note.reason.clone(),
                quantity: Decimal::ONE,
                unit_code: UNIT_CODE,
                unit_price: total.taxable_base,
                gross_unit_price: None,
                allowance: None,
                net_amount: total.taxable_base,
                vat: line_vat(index + 1, std::slice::from_ref(&total.tax))?,
            })
        })
        .collect()
}

/// The one VAT of a line (BR-CO-04).
fn line_vat(position: usize, taxes: &[TaxRate]) -> Result<VatKey, DocumentError> {
    if let Some(withheld) = taxes
        .iter()
        .find(|tax| tax.treatment == TaxTreatment::Withholding)
    {
        return Err(DocumentError::Withholding {
            line: position,
            tax: withheld.code.clone(),
        });
    }
    match taxes {
        [tax] => Ok(vat_of(tax)?.0),
        _ => Err(DocumentError::VatPerLine {
            line: position,
            count: taxes.len(),
        }),
    }
}

/// A tax's EN 16931 category and rate; a tax stated before categories existed
/// takes the category its treatment means.
fn vat_of(tax: &TaxRate) -> Result<(VatKey, Option<VatExemption>), DocumentError> {
    let category = tax.category.unwrap_or(match tax.treatment {
        TaxTreatment::ZeroRated => VatCategory::ZeroRated,
        TaxTreatment::Exempt => VatCategory::Exempt,
        TaxTreatment::Standard | TaxTreatment::Withholding => VatCategory::Standard,
    });
    if category.needs_exemption() && tax.exemption.is_none() {
        return Err(DocumentError::ExemptionReasonMissing {
            tax: tax.code.clone(),
        });
    }
    let key = VatKey {
        category,
        percent: tax.percent.normalize(),
    };
    Ok((key, tax.exemption.clone()))
}

/// One breakdown entry per category and rate, summed over the tax totals that
/// share it.
fn vat_breakdown(tax_totals: &[TaxTotal]) -> Result<Vec<VatBreakdown>, DocumentError> {
    let mut breakdown: BTreeMap<VatKey, VatBreakdown> = BTreeMap::new();
    for total in tax_totals {
        let (key, exemption) = vat_of(&total.tax)?;
        let entry = breakdown.entry(key).or_insert_with(|| VatBreakdown {
            key,
            taxable_amount: Decimal::ZERO,
            tax_amount: Decimal::ZERO,
            exemption,
        });
        entry.taxable_amount += total.taxable_base;
        entry.tax_amount += total.amount;
    }
    Ok(breakdown.into_values().collect())
}

/// The seller and buyer as the document's categories require them, and the
/// VAT breakdown.
fn parties(
    lines: &[DocumentLine],
    totals: &DocumentTotals,
    seller: Option<&LegalProfile>,
    customer: &Customer,
) -> Result<(LegalProfile, Buyer, Vec<VatBreakdown>), DocumentError> {
    let mut seller = seller.ok_or(DocumentError::NoLegalProfile)?.clone();
    let mut buyer = buyer(customer)?;
    let breakdown = vat_breakdown(&totals.tax_totals)?;
    let outside_scope = lines
        .iter()
        .filter(|line| line.vat.category == VatCategory::NotSubject)
        .count();
    if outside_scope > 0 {
        if outside_scope < lines.len() {
            return Err(DocumentError::OutsideScopeMixed);
        }
        // BR-O-02: no VAT numbers on a document outside the scope of VAT.
        seller.vat_id = None;
        buyer.vat_id = None;
    }
    for entry in &breakdown {
        require_tax_ids(entry.key.category, &seller, &buyer)?;
    }
    Ok((seller, buyer, breakdown))
}

/// The VAT numbers a category requires of the parties (BR-x-02).
fn require_tax_ids(
    category: VatCategory,
    seller: &LegalProfile,
    buyer: &Buyer,
) -> Result<(), DocumentError> {
    let (rule, vat_id_only) = match category {
        VatCategory::Standard => ("BR-S-02", false),
        VatCategory::ZeroRated => ("BR-Z-02", false),
        VatCategory::Exempt => ("BR-E-02", false),
        VatCategory::ReverseCharge => ("BR-AE-02", false),
        VatCategory::IntraCommunity => ("BR-IC-02", true),
        VatCategory::Export => ("BR-G-02", true),
        VatCategory::CanaryIslands => ("BR-IG-02", false),
        VatCategory::CeutaMelilla => ("BR-IP-02", false),
        VatCategory::NotSubject => return Ok(()),
    };
    let seller_ok =
        seller.vat_id.is_some() || (!vat_id_only && seller.tax_registration_id.is_some());
    if !seller_ok {
        return Err(DocumentError::SellerTaxIdMissing {
            category: category.code(),
            needed: if vat_id_only {
                "VAT number"
            } else {
                "VAT number or tax number"
            },
            rule,
        });
    }
    if category.needs_buyer_vat_id() && buyer.vat_id.is_none() {
        return Err(DocumentError::BuyerVatIdMissing {
            category: category.code(),
            rule,
        });
    }
    Ok(())
}

/// The buyer as the customer's current details describe it.
pub(crate) fn buyer(customer: &Customer) -> Result<Buyer, DocumentError> {
    let tax = customer
        .tax
        .as_ref()
        .ok_or(DocumentError::BuyerCountryUnknown)?;
    let mut address_lines: Vec<String> = customer
        .contact
        .address
        .iter()
        .flat_map(|address| address.lines())
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    if address_lines.len() > 3 {
        let rest = address_lines.split_off(2).join(", ");
        address_lines.push(rest);
    }
    Ok(Buyer {
        name: customer.contact.name.clone(),
        address_lines,
        country: tax.country.clone(),
        vat_id: tax.tax_id.clone(),
        email: customer.contact.email.clone(),
    })
}
