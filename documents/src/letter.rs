//! What an e-mail about an issued invoice says of it: its number, dates and
//! amount payable, who sends it and to whom, read from its record without
//! building the EN 16931 document, so an invoice that model cannot express
//! (a Mexican CFDI with withholdings, say) is e-mailed as well.

use chrono::NaiveDate;
use folio_domain::customer::Customer;
use folio_domain::legal_profile::LegalProfile;
use folio_domain::money::Currency;
use rust_decimal::Decimal;

use crate::build::{buyer, issued};
use crate::{DocumentError, InvoiceRecord};

/// An issued invoice as its e-mails present it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLetter {
    /// Its number.
    pub number: String,
    /// Its issue date.
    pub issue_date: NaiveDate,
    /// When it falls due.
    pub due_date: NaiveDate,
    /// What was payable at issue: the total less any prepaid amount.
    pub payable: Decimal,
    /// Its currency.
    pub currency: Currency,
    /// The customer's name.
    pub buyer_name: String,
    /// The customer's country (ISO 3166-1 alpha-2): the e-mail's language.
    pub buyer_country: String,
    /// Who sends it: the seller's trading name, else its legal name, else
    /// (a Mexican tenant without a legal profile) the CFDI issuer's name.
    pub seller_name: String,
    /// Where replies go: the seller's contact address, if it gave one.
    pub seller_email: Option<String>,
}

/// The letter of the issued invoice in `record`, from `seller` to `customer`.
pub fn invoice_letter(
    record: &InvoiceRecord,
    seller: Option<&LegalProfile>,
    customer: &Customer,
) -> Result<InvoiceLetter, DocumentError> {
    let (issued, currency) = issued(record)?;
    let buyer = buyer(customer)?;
    let cfdi_issuer = issued
        .cfdi
        .as_deref()
        .map(|parties| parties.issuer.name.clone());
    let seller_name = match seller {
        Some(seller) => seller
            .trading_name
            .clone()
            .unwrap_or_else(|| seller.legal_name.clone()),
        None => cfdi_issuer.ok_or(DocumentError::NoLegalProfile)?,
    };
    Ok(InvoiceLetter {
        number: issued.number.to_string(),
        issue_date: issued.issue_date,
        due_date: issued.due_date,
        payable: issued.totals.total - issued.prepaid.unwrap_or_default(),
        currency,
        buyer_name: buyer.name,
        buyer_country: buyer.country,
        seller_name,
        seller_email: seller.and_then(|seller| seller.email.clone()),
    })
}
