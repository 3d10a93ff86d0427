//! The document as a UN/CEFACT Cross Industry Invoice (CII D16B), the syntax
//! of XRechnung's CII flavour and of Factur-X's EN 16931 profile. Elements are
//! written in the order the CII schemas' sequences require; the binding of each
//! business term follows the CEN's CII syntax binding (EN 16931-3-3).

use chrono::NaiveDate;
use folio_domain::tax::VatCategory;
use rust_decimal::Decimal;

use folio_domain::adjustment::AdjustmentKind;

use crate::model::{in_minor_units, plain, AllowanceCharge, Document, DocumentLine, VatKey};
use crate::xml::Xml;

/// The specification identifier (BT-24): EN 16931 itself, which Factur-X's
/// EN 16931 profile also uses.
const GUIDELINE: &str = "urn:cen.eu:en16931:2017";
const RSM: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
const RAM: &str =
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
const UDT: &str = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";
const QDT: &str = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";

/// The document as CII XML (UTF-8).
pub fn to_cii(doc: &Document) -> Vec<u8> {
    let mut xml = Xml::new();
    xml.open(
        "rsm:CrossIndustryInvoice",
        &[
            ("xmlns:rsm", RSM),
            ("xmlns:ram", RAM),
            ("xmlns:udt", UDT),
            ("xmlns:qdt", QDT),
        ],
    );
    xml.open("rsm:ExchangedDocumentContext", &[]);
    xml.open("ram:GuidelineSpecifiedDocumentContextParameter", &[]);
    xml.text("ram:ID", GUIDELINE);
    xml.close("ram:GuidelineSpecifiedDocumentContextParameter");
    xml.close("rsm:ExchangedDocumentContext");
    exchanged_document(&mut xml, doc);
    xml.open("rsm:SupplyChainTradeTransaction", &[]);
    for line in &doc.lines {
        trade_line(&mut xml, doc, line);
    }
    agreement(&mut xml, doc);
    delivery(&mut xml, doc);
    settlement(&mut xml, doc);
    xml.close("rsm:SupplyChainTradeTransaction");
    xml.close("rsm:CrossIndustryInvoice");
    xml.into_bytes()
}

fn amount(xml: &mut Xml, name: &str, doc: &Document, value: Decimal) {
    xml.text(name, &doc.amount(value));
}

fn date(xml: &mut Xml, name: &str, element: &str, value: NaiveDate) {
    xml.open(name, &[]);
    xml.text_with(
        element,
        &[("format", "102")],
        &value.format("%Y%m%d").to_string(),
    );
    xml.close(name);
}

fn exchanged_document(xml: &mut Xml, doc: &Document) {
    xml.open("rsm:ExchangedDocument", &[]);
    xml.text("ram:ID", &doc.number);
    xml.text("ram:TypeCode", doc.kind.type_code());
    date(
        xml,
        "ram:IssueDateTime",
        "udt:DateTimeString",
        doc.issue_date,
    );
    for note in &doc.notes {
        xml.open("ram:IncludedNote", &[]);
        xml.text("ram:Content", note);
        xml.close("ram:IncludedNote");
    }
    xml.close("rsm:ExchangedDocument");
}

/// A VAT category with its rate, as `element`; outside the scope of VAT
/// states no rate.
fn trade_tax(xml: &mut Xml, element: &str, key: VatKey) {
    xml.open(element, &[]);
    xml.text("ram:TypeCode", "VAT");
    xml.text("ram:CategoryCode", key.category.code());
    if key.category != VatCategory::NotSubject {
        xml.text("ram:RateApplicablePercent", &plain(key.percent));
    }
    xml.close(element);
}

fn trade_line(xml: &mut Xml, doc: &Document, line: &DocumentLine) {
    xml.open("ram:IncludedSupplyChainTradeLineItem", &[]);
    xml.open("ram:AssociatedDocumentLineDocument", &[]);
    xml.text("ram:LineID", &line.id);
    xml.close("ram:AssociatedDocumentLineDocument");
    xml.open("ram:SpecifiedTradeProduct", &[]);
    xml.text("ram:Name", &line.description);
    xml.close("ram:SpecifiedTradeProduct");
    xml.open("ram:SpecifiedLineTradeAgreement", &[]);
    xml.open("ram:NetPriceProductTradePrice", &[]);
    xml.text("ram:ChargeAmount", &plain(line.unit_price));
    xml.close("ram:NetPriceProductTradePrice");
    xml.close("ram:SpecifiedLineTradeAgreement");
    xml.open("ram:SpecifiedLineTradeDelivery", &[]);
    xml.text_with(
        "ram:BilledQuantity",
        &[("unitCode", line.unit_code)],
        &plain(line.quantity),
    );
    xml.close("ram:SpecifiedLineTradeDelivery");
    xml.open("ram:SpecifiedLineTradeSettlement", &[]);
    trade_tax(xml, "ram:ApplicableTradeTax", line.vat);
    if let Some(allowance) = &line.allowance {
        xml.open("ram:SpecifiedTradeAllowanceCharge", &[]);
        xml.open("ram:ChargeIndicator", &[]);
        xml.text("udt:Indicator", "false");
        xml.close("ram:ChargeIndicator");
        amount(xml, "ram:ActualAmount", doc, allowance.amount);
        xml.text("ram:ReasonCode", "95");
        xml.text("ram:Reason", &allowance.reason);
        xml.close("ram:SpecifiedTradeAllowanceCharge");
    }
    xml.open("ram:SpecifiedTradeSettlementLineMonetarySummation", &[]);
    amount(xml, "ram:LineTotalAmount", doc, line.net_amount);
    xml.close("ram:SpecifiedTradeSettlementLineMonetarySummation");
    xml.close("ram:SpecifiedLineTradeSettlement");
    xml.close("ram:IncludedSupplyChainTradeLineItem");
}

fn address(
    xml: &mut Xml,
    lines: &[String],
    city: Option<&str>,
    postal_code: Option<&str>,
    subdivision: Option<&str>,
    country: &str,
) {
    xml.open("ram:PostalTradeAddress", &[]);
    xml.text_opt("ram:PostcodeCode", postal_code);
    xml.text_opt("ram:LineOne", lines.first().map(String::as_str));
    xml.text_opt("ram:LineTwo", lines.get(1).map(String::as_str));
    xml.text_opt("ram:LineThree", lines.get(2).map(String::as_str));
    xml.text_opt("ram:CityName", city);
    xml.text("ram:CountryID", country);
    xml.text_opt("ram:CountrySubDivisionName", subdivision);
    xml.close("ram:PostalTradeAddress");
}

fn electronic_address(xml: &mut Xml, email: Option<&str>) {
    if let Some(email) = email {
        xml.open("ram:URIUniversalCommunication", &[]);
        xml.text_with("ram:URIID", &[("schemeID", "EM")], email);
        xml.close("ram:URIUniversalCommunication");
    }
}

fn tax_registration(xml: &mut Xml, id: Option<&str>, scheme: &str) {
    if let Some(id) = id {
        xml.open("ram:SpecifiedTaxRegistration", &[]);
        xml.text_with("ram:ID", &[("schemeID", scheme)], id);
        xml.close("ram:SpecifiedTaxRegistration");
    }
}

fn agreement(xml: &mut Xml, doc: &Document) {
    let seller = &doc.seller;
    xml.open("ram:ApplicableHeaderTradeAgreement", &[]);
    xml.open("ram:SellerTradeParty", &[]);
    xml.text("ram:Name", &seller.legal_name);
    if seller.company_id.is_some() || seller.trading_name.is_some() {
        xml.open("ram:SpecifiedLegalOrganization", &[]);
        xml.text_opt("ram:ID", seller.company_id.as_deref());
        xml.text_opt("ram:TradingBusinessName", seller.trading_name.as_deref());
        xml.close("ram:SpecifiedLegalOrganization");
    }
    if seller.phone.is_some() || seller.email.is_some() {
        xml.open("ram:DefinedTradeContact", &[]);
        if let Some(phone) = &seller.phone {
            xml.open("ram:TelephoneUniversalCommunication", &[]);
            xml.text("ram:CompleteNumber", phone);
            xml.close("ram:TelephoneUniversalCommunication");
        }
        if let Some(email) = &seller.email {
            xml.open("ram:EmailURIUniversalCommunication", &[]);
            xml.text("ram:URIID", email);
            xml.close("ram:EmailURIUniversalCommunication");
        }
        xml.close("ram:DefinedTradeContact");
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
    electronic_address(xml, seller.email.as_deref());
    tax_registration(xml, seller.vat_id.as_deref(), "VA");
    tax_registration(xml, seller.tax_registration_id.as_deref(), "FC");
    xml.close("ram:SellerTradeParty");

    let buyer = &doc.buyer;
    xml.open("ram:BuyerTradeParty", &[]);
    xml.text("ram:Name", &buyer.name);
    address(xml, &buyer.address_lines, None, None, None, &buyer.country);
    electronic_address(xml, buyer.email.as_deref());
    tax_registration(xml, buyer.vat_id.as_deref(), "VA");
    xml.close("ram:BuyerTradeParty");
    xml.close("ram:ApplicableHeaderTradeAgreement");
}

fn delivery(xml: &mut Xml, doc: &Document) {
    xml.open("ram:ApplicableHeaderTradeDelivery", &[]);
    let delivery = &doc.delivery;
    if let Some(country) = &delivery.country {
        xml.open("ram:ShipToTradeParty", &[]);
        xml.open("ram:PostalTradeAddress", &[]);
        xml.text("ram:CountryID", country);
        xml.close("ram:PostalTradeAddress");
        xml.close("ram:ShipToTradeParty");
    }
    xml.open("ram:ActualDeliverySupplyChainEvent", &[]);
    date(
        xml,
        "ram:OccurrenceDateTime",
        "udt:DateTimeString",
        delivery.date,
    );
    xml.close("ram:ActualDeliverySupplyChainEvent");
    xml.close("ram:ApplicableHeaderTradeDelivery");
}

/// An allowance or charge on the whole document (BG-20, BG-21), in the
/// order of CII's `TradeAllowanceChargeType`.
fn allowance_charge(xml: &mut Xml, doc: &Document, adjustment: &AllowanceCharge) {
    xml.open("ram:SpecifiedTradeAllowanceCharge", &[]);
    xml.open("ram:ChargeIndicator", &[]);
    let charge = adjustment.kind == AdjustmentKind::Charge;
    xml.text("udt:Indicator", if charge { "true" } else { "false" });
    xml.close("ram:ChargeIndicator");
    if let Some(percent) = adjustment.percent {
        xml.text("ram:CalculationPercent", &plain(percent));
    }
    if let Some(base) = adjustment.base_amount {
        amount(xml, "ram:BasisAmount", doc, base);
    }
    amount(xml, "ram:ActualAmount", doc, adjustment.amount);
    xml.text_opt("ram:ReasonCode", adjustment.reason_code.as_deref());
    xml.text_opt("ram:Reason", adjustment.reason.as_deref());
    trade_tax(xml, "ram:CategoryTradeTax", adjustment.vat);
    xml.close("ram:SpecifiedTradeAllowanceCharge");
}

fn settlement(xml: &mut Xml, doc: &Document) {
    xml.open("ram:ApplicableHeaderTradeSettlement", &[]);
    if let Some(payment) = &doc.payment {
        xml.text("ram:PaymentReference", &payment.remittance);
    }
    if let Some(accounting) = &doc.accounting_vat {
        xml.text("ram:TaxCurrencyCode", accounting.currency.code());
    }
    xml.text("ram:InvoiceCurrencyCode", doc.currency.code());
    if let Some(payment) = &doc.payment {
        xml.open("ram:SpecifiedTradeSettlementPaymentMeans", &[]);
        xml.text("ram:TypeCode", payment.means_code);
        xml.open("ram:PayeePartyCreditorFinancialAccount", &[]);
        xml.text("ram:IBANID", &payment.iban);
        xml.text_opt("ram:AccountName", payment.account_name.as_deref());
        xml.close("ram:PayeePartyCreditorFinancialAccount");
        if let Some(bic) = &payment.bic {
            xml.open("ram:PayeeSpecifiedCreditorFinancialInstitution", &[]);
            xml.text("ram:BICID", bic);
            xml.close("ram:PayeeSpecifiedCreditorFinancialInstitution");
        }
        xml.close("ram:SpecifiedTradeSettlementPaymentMeans");
    }
    for entry in &doc.vat_breakdown {
        xml.open("ram:ApplicableTradeTax", &[]);
        amount(xml, "ram:CalculatedAmount", doc, entry.tax_amount);
        xml.text("ram:TypeCode", "VAT");
        let exemption = entry.exemption.as_ref();
        xml.text_opt(
            "ram:ExemptionReason",
            exemption.and_then(|e| e.reason.as_deref()),
        );
        amount(xml, "ram:BasisAmount", doc, entry.taxable_amount);
        xml.text("ram:CategoryCode", entry.key.category.code());
        xml.text_opt(
            "ram:ExemptionReasonCode",
            exemption.and_then(|e| e.code.as_deref()),
        );
        if entry.key.category != VatCategory::NotSubject {
            xml.text("ram:RateApplicablePercent", &plain(entry.key.percent));
        }
        xml.close("ram:ApplicableTradeTax");
    }
    for adjustment in &doc.allowances_charges {
        allowance_charge(xml, doc, adjustment);
    }
    if doc.payment_terms.is_some() || doc.due_date.is_some() {
        xml.open("ram:SpecifiedTradePaymentTerms", &[]);
        xml.text_opt("ram:Description", doc.payment_terms.as_deref());
        if let Some(due) = doc.due_date {
            date(xml, "ram:DueDateDateTime", "udt:DateTimeString", due);
        }
        xml.close("ram:SpecifiedTradePaymentTerms");
    }
    let totals = &doc.totals;
    xml.open("ram:SpecifiedTradeSettlementHeaderMonetarySummation", &[]);
    amount(xml, "ram:LineTotalAmount", doc, totals.line_net_total);
    if let Some(charges) = totals.charge_total {
        amount(xml, "ram:ChargeTotalAmount", doc, charges);
    }
    if let Some(allowances) = totals.allowance_total {
        amount(xml, "ram:AllowanceTotalAmount", doc, allowances);
    }
    amount(xml, "ram:TaxBasisTotalAmount", doc, totals.tax_exclusive);
    xml.text_with(
        "ram:TaxTotalAmount",
        &[("currencyID", doc.currency.code())],
        &doc.amount(totals.tax_total),
    );
    // BT-111: the VAT again, in the accounting currency.
    if let Some(accounting) = &doc.accounting_vat {
        let currency = accounting.currency;
        let value = in_minor_units(accounting.tax_total, currency);
        xml.text_with(
            "ram:TaxTotalAmount",
            &[("currencyID", currency.code())],
            &value,
        );
    }
    amount(xml, "ram:GrandTotalAmount", doc, totals.tax_inclusive);
    if let Some(prepaid) = totals.prepaid {
        amount(xml, "ram:TotalPrepaidAmount", doc, prepaid);
    }
    amount(xml, "ram:DuePayableAmount", doc, totals.payable);
    xml.close("ram:SpecifiedTradeSettlementHeaderMonetarySummation");
    if let Some(invoice) = &doc.preceding_invoice {
        xml.open("ram:InvoiceReferencedDocument", &[]);
        xml.text("ram:IssuerAssignedID", &invoice.number);
        date(
            xml,
            "ram:FormattedIssueDateTime",
            "qdt:DateTimeString",
            invoice.issue_date,
        );
        xml.close("ram:InvoiceReferencedDocument");
    }
    xml.close("ram:ApplicableHeaderTradeSettlement");
}
