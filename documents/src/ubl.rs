//! The document as an OASIS UBL 2.1 `Invoice` or `CreditNote`, under the
//! Peppol BIS Billing 3.0 customization of EN 16931. Elements are written in
//! the order the UBL schemas' sequences require; the binding of each business
//! term follows the CEN's UBL syntax binding (EN 16931-3-2).

use folio_domain::tax::VatCategory;
use rust_decimal::Decimal;

use crate::model::{
    in_minor_units, plain, AllowanceCharge, Document, DocumentKind, DocumentLine, VatKey,
};
use crate::xml::Xml;
use folio_domain::adjustment::AdjustmentKind;

const CUSTOMIZATION: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
const PROFILE: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// The document as UBL 2.1 XML (UTF-8).
pub fn to_ubl(doc: &Document) -> Vec<u8> {
    let (root, namespace) = match doc.kind {
        DocumentKind::Invoice => (
            "Invoice",
            "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
        ),
        DocumentKind::CreditNote => (
            "CreditNote",
            "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
        ),
    };
    let mut xml = Xml::new();
    xml.open(
        root,
        &[("xmlns", namespace), ("xmlns:cac", CAC), ("xmlns:cbc", CBC)],
    );
    header(&mut xml, doc);
    seller(&mut xml, doc);
    buyer(&mut xml, doc);
    delivery(&mut xml, doc);
    payment(&mut xml, doc);
    for adjustment in &doc.allowances_charges {
        allowance_charge(&mut xml, doc, adjustment);
    }
    tax_total(&mut xml, doc);
    monetary_total(&mut xml, doc);
    for line in &doc.lines {
        document_line(&mut xml, doc, line);
    }
    xml.close(root);
    xml.into_bytes()
}

fn amount(xml: &mut Xml, name: &str, doc: &Document, value: Decimal) {
    xml.text_with(
        name,
        &[("currencyID", doc.currency.code())],
        &doc.amount(value),
    );
}

fn header(xml: &mut Xml, doc: &Document) {
    xml.text("cbc:CustomizationID", CUSTOMIZATION);
    xml.text("cbc:ProfileID", PROFILE);
    xml.text("cbc:ID", &doc.number);
    xml.text("cbc:IssueDate", &doc.issue_date.to_string());
    match doc.kind {
        DocumentKind::Invoice => {
            if let Some(due) = doc.due_date {
                xml.text("cbc:DueDate", &due.to_string());
            }
            xml.text("cbc:InvoiceTypeCode", doc.kind.type_code());
        }
        DocumentKind::CreditNote => xml.text("cbc:CreditNoteTypeCode", doc.kind.type_code()),
    }
    for note in &doc.notes {
        xml.text("cbc:Note", note);
    }
    xml.text("cbc:DocumentCurrencyCode", doc.currency.code());
    if let Some(accounting) = &doc.accounting_vat {
        xml.text("cbc:TaxCurrencyCode", accounting.currency.code());
    }
    if let Some(invoice) = &doc.preceding_invoice {
        xml.open("cac:BillingReference", &[]);
        xml.open("cac:InvoiceDocumentReference", &[]);
        xml.text("cbc:ID", &invoice.number);
        xml.text("cbc:IssueDate", &invoice.issue_date.to_string());
        xml.close("cac:InvoiceDocumentReference");
        xml.close("cac:BillingReference");
    }
}

/// A postal address: the first line is the street, the second the
/// additional street, the third a free address line.
fn address(
    xml: &mut Xml,
    lines: &[String],
    city: Option<&str>,
    postal_code: Option<&str>,
    subdivision: Option<&str>,
    country: &str,
) {
    xml.open("cac:PostalAddress", &[]);
    xml.text_opt("cbc:StreetName", lines.first().map(String::as_str));
    xml.text_opt("cbc:AdditionalStreetName", lines.get(1).map(String::as_str));
    xml.text_opt("cbc:CityName", city);
    xml.text_opt("cbc:PostalZone", postal_code);
    xml.text_opt("cbc:CountrySubentity", subdivision);
    if let Some(line) = lines.get(2) {
        xml.open("cac:AddressLine", &[]);
        xml.text("cbc:Line", line);
        xml.close("cac:AddressLine");
    }
    xml.open("cac:Country", &[]);
    xml.text("cbc:IdentificationCode", country);
    xml.close("cac:Country");
    xml.close("cac:PostalAddress");
}

fn tax_scheme(xml: &mut Xml, company_id: &str, scheme: &str) {
    xml.open("cac:PartyTaxScheme", &[]);
    xml.text("cbc:CompanyID", company_id);
    xml.open("cac:TaxScheme", &[]);
    xml.text("cbc:ID", scheme);
    xml.close("cac:TaxScheme");
    xml.close("cac:PartyTaxScheme");
}

fn seller(xml: &mut Xml, doc: &Document) {
    let seller = &doc.seller;
    xml.open("cac:AccountingSupplierParty", &[]);
    xml.open("cac:Party", &[]);
    if let Some(email) = &seller.email {
        xml.text_with("cbc:EndpointID", &[("schemeID", "EM")], email);
    }
    if let Some(trading_name) = &seller.trading_name {
        xml.open("cac:PartyName", &[]);
        xml.text("cbc:Name", trading_name);
        xml.close("cac:PartyName");
    }
    let postal = &seller.address;
    address(
        xml,
        &postal.lines,
        Some(&postal.city),
        postal.postal_code.as_deref(),
        postal.subdivision.as_deref(),
        &postal.country,
    );
    if let Some(vat_id) = &seller.vat_id {
        tax_scheme(xml, vat_id, "VAT");
    }
    if let Some(tax_number) = &seller.tax_registration_id {
        tax_scheme(xml, tax_number, "FC");
    }
    xml.open("cac:PartyLegalEntity", &[]);
    xml.text("cbc:RegistrationName", &seller.legal_name);
    xml.text_opt("cbc:CompanyID", seller.company_id.as_deref());
    xml.close("cac:PartyLegalEntity");
    if seller.phone.is_some() || seller.email.is_some() {
        xml.open("cac:Contact", &[]);
        xml.text_opt("cbc:Telephone", seller.phone.as_deref());
        xml.text_opt("cbc:ElectronicMail", seller.email.as_deref());
        xml.close("cac:Contact");
    }
    xml.close("cac:Party");
    xml.close("cac:AccountingSupplierParty");
}

fn buyer(xml: &mut Xml, doc: &Document) {
    let buyer = &doc.buyer;
    xml.open("cac:AccountingCustomerParty", &[]);
    xml.open("cac:Party", &[]);
    if let Some(email) = &buyer.email {
        xml.text_with("cbc:EndpointID", &[("schemeID", "EM")], email);
    }
    address(xml, &buyer.address_lines, None, None, None, &buyer.country);
    if let Some(vat_id) = &buyer.vat_id {
        tax_scheme(xml, vat_id, "VAT");
    }
    xml.open("cac:PartyLegalEntity", &[]);
    xml.text("cbc:RegistrationName", &buyer.name);
    xml.close("cac:PartyLegalEntity");
    xml.close("cac:Party");
    xml.close("cac:AccountingCustomerParty");
}

fn delivery(xml: &mut Xml, doc: &Document) {
    let delivery = &doc.delivery;
    xml.open("cac:Delivery", &[]);
    xml.text("cbc:ActualDeliveryDate", &delivery.date.to_string());
    if let Some(country) = &delivery.country {
        xml.open("cac:DeliveryLocation", &[]);
        xml.open("cac:Address", &[]);
        xml.open("cac:Country", &[]);
        xml.text("cbc:IdentificationCode", country);
        xml.close("cac:Country");
        xml.close("cac:Address");
        xml.close("cac:DeliveryLocation");
    }
    xml.close("cac:Delivery");
}

fn payment(xml: &mut Xml, doc: &Document) {
    if let Some(payment) = &doc.payment {
        xml.open("cac:PaymentMeans", &[]);
        xml.text("cbc:PaymentMeansCode", payment.means_code);
        xml.text("cbc:PaymentID", &payment.remittance);
        xml.open("cac:PayeeFinancialAccount", &[]);
        xml.text("cbc:ID", &payment.iban);
        xml.text_opt("cbc:Name", payment.account_name.as_deref());
        if let Some(bic) = &payment.bic {
            xml.open("cac:FinancialInstitutionBranch", &[]);
            xml.text("cbc:ID", bic);
            xml.close("cac:FinancialInstitutionBranch");
        }
        xml.close("cac:PayeeFinancialAccount");
        xml.close("cac:PaymentMeans");
    }
    if let Some(terms) = &doc.payment_terms {
        xml.open("cac:PaymentTerms", &[]);
        xml.text("cbc:Note", terms);
        xml.close("cac:PaymentTerms");
    }
}

/// A VAT category with its rate; outside the scope of VAT states no rate
/// (BR-O-05, BR-O-09).
fn tax_category(
    xml: &mut Xml,
    element: &str,
    key: VatKey,
    exemption: Option<(&Option<String>, &Option<String>)>,
) {
    xml.open(element, &[]);
    xml.text("cbc:ID", key.category.code());
    if key.category != VatCategory::NotSubject {
        xml.text("cbc:Percent", &plain(key.percent));
    }
    if let Some((code, reason)) = exemption {
        xml.text_opt("cbc:TaxExemptionReasonCode", code.as_deref());
        xml.text_opt("cbc:TaxExemptionReason", reason.as_deref());
    }
    xml.open("cac:TaxScheme", &[]);
    xml.text("cbc:ID", "VAT");
    xml.close("cac:TaxScheme");
    xml.close(element);
}

/// An allowance or charge on the whole document (BG-20, BG-21), in the
/// order of UBL's `AllowanceChargeType`.
fn allowance_charge(xml: &mut Xml, doc: &Document, adjustment: &AllowanceCharge) {
    xml.open("cac:AllowanceCharge", &[]);
    let charge = adjustment.kind == AdjustmentKind::Charge;
    xml.text("cbc:ChargeIndicator", if charge { "true" } else { "false" });
    xml.text_opt(
        "cbc:AllowanceChargeReasonCode",
        adjustment.reason_code.as_deref(),
    );
    xml.text_opt("cbc:AllowanceChargeReason", adjustment.reason.as_deref());
    if let Some(percent) = adjustment.percent {
        xml.text("cbc:MultiplierFactorNumeric", &plain(percent));
    }
    amount(xml, "cbc:Amount", doc, adjustment.amount);
    if let Some(base) = adjustment.base_amount {
        amount(xml, "cbc:BaseAmount", doc, base);
    }
    tax_category(xml, "cac:TaxCategory", adjustment.vat, None);
    xml.close("cac:AllowanceCharge");
}

fn tax_total(xml: &mut Xml, doc: &Document) {
    xml.open("cac:TaxTotal", &[]);
    amount(xml, "cbc:TaxAmount", doc, doc.totals.tax_total);
    for entry in &doc.vat_breakdown {
        xml.open("cac:TaxSubtotal", &[]);
        amount(xml, "cbc:TaxableAmount", doc, entry.taxable_amount);
        amount(xml, "cbc:TaxAmount", doc, entry.tax_amount);
        let exemption = entry
            .exemption
            .as_ref()
            .map(|exemption| (&exemption.code, &exemption.reason));
        tax_category(xml, "cac:TaxCategory", entry.key, exemption);
        xml.close("cac:TaxSubtotal");
    }
    xml.close("cac:TaxTotal");
    // BT-111: a second total, in the accounting currency, without subtotals.
    if let Some(accounting) = &doc.accounting_vat {
        xml.open("cac:TaxTotal", &[]);
        let currency = accounting.currency;
        let value = in_minor_units(accounting.tax_total, currency);
        xml.text_with("cbc:TaxAmount", &[("currencyID", currency.code())], &value);
        xml.close("cac:TaxTotal");
    }
}

fn monetary_total(xml: &mut Xml, doc: &Document) {
    let totals = &doc.totals;
    xml.open("cac:LegalMonetaryTotal", &[]);
    amount(xml, "cbc:LineExtensionAmount", doc, totals.line_net_total);
    amount(xml, "cbc:TaxExclusiveAmount", doc, totals.tax_exclusive);
    amount(xml, "cbc:TaxInclusiveAmount", doc, totals.tax_inclusive);
    if let Some(allowances) = totals.allowance_total {
        amount(xml, "cbc:AllowanceTotalAmount", doc, allowances);
    }
    if let Some(charges) = totals.charge_total {
        amount(xml, "cbc:ChargeTotalAmount", doc, charges);
    }
    if let Some(prepaid) = totals.prepaid {
        amount(xml, "cbc:PrepaidAmount", doc, prepaid);
    }
    amount(xml, "cbc:PayableAmount", doc, totals.payable);
    xml.close("cac:LegalMonetaryTotal");
}

fn document_line(xml: &mut Xml, doc: &Document, line: &DocumentLine) {
    let (element, quantity) = match doc.kind {
        DocumentKind::Invoice => ("cac:InvoiceLine", "cbc:InvoicedQuantity"),
        DocumentKind::CreditNote => ("cac:CreditNoteLine", "cbc:CreditedQuantity"),
    };
    xml.open(element, &[]);
    xml.text("cbc:ID", &line.id);
    xml.text_with(
        quantity,
        &[("unitCode", line.unit_code)],
        &plain(line.quantity),
    );
    amount(xml, "cbc:LineExtensionAmount", doc, line.net_amount);
    if let Some(allowance) = &line.allowance {
        xml.open("cac:AllowanceCharge", &[]);
        xml.text("cbc:ChargeIndicator", "false");
        xml.text("cbc:AllowanceChargeReasonCode", "95");
        xml.text("cbc:AllowanceChargeReason", &allowance.reason);
        amount(xml, "cbc:Amount", doc, allowance.amount);
        xml.close("cac:AllowanceCharge");
    }
    xml.open("cac:Item", &[]);
    xml.text("cbc:Name", &line.description);
    tax_category(xml, "cac:ClassifiedTaxCategory", line.vat, None);
    xml.close("cac:Item");
    xml.open("cac:Price", &[]);
    xml.text_with(
        "cbc:PriceAmount",
        &[("currencyID", doc.currency.code())],
        &plain(line.unit_price),
    );
    xml.close("cac:Price");
    xml.close(element);
}
