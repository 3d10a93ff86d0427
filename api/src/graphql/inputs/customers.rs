//! A customer's contact and tax details.

use async_graphql::InputObject;
use folio_commands::RegisterCustomer;
use folio_domain::customer::{ContactDetails, TaxDetails};

use super::currency;
use crate::graphql::mexico::SatReceiver;

/// Contact details of a customer.
#[derive(Debug, Clone, InputObject)]
pub struct ContactInput {
    /// Name on invoices.
    pub name: String,
    /// Billing e-mail.
    pub email: Option<String>,
    /// Phone number, as the customer gives it.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<String>,
}

impl From<ContactInput> for ContactDetails {
    fn from(c: ContactInput) -> Self {
        ContactDetails {
            name: c.name,
            email: c.email,
            phone: c.phone,
            address: c.address,
        }
    }
}

/// Tax details of a customer.
#[derive(Debug, Clone, InputObject)]
pub struct TaxDetailsInput {
    /// Tax id (VAT id, RFC, ...). For EU member states and the UK, a VAT number
    /// (its country prefix may be left out; check digits are verified where the
    /// country defines them); for Mexico, an RFC; elsewhere free text. Stored
    /// without spaces or dots and with its VAT prefix; a malformed one is
    /// VALIDATION.
    pub tax_id: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// Default currency of new invoices.
    pub default_currency: String,
    /// Days from issue to due date.
    pub payment_terms_days: u16,
    /// For a customer in Mexico: its regime, tax address's postal code and
    /// CFDI use, checked against its RFC (`taxId`); refused elsewhere.
    pub sat: Option<SatReceiver>,
}

impl TaxDetailsInput {
    /// The domain's tax details.
    pub fn into_domain(self) -> async_graphql::Result<TaxDetails> {
        Ok(TaxDetails {
            tax_id: self.tax_id,
            country: self.country,
            default_currency: currency(&self.default_currency)?,
            payment_terms_days: self.payment_terms_days,
            sat: self.sat.map(Into::into),
        })
    }
}

/// A new customer.
#[derive(Debug, Clone, InputObject)]
pub struct CustomerInput {
    /// Contact details.
    pub contact: ContactInput,
    /// Tax details.
    pub tax: TaxDetailsInput,
}

impl CustomerInput {
    /// The registration request.
    pub fn into_command(self) -> async_graphql::Result<RegisterCustomer> {
        Ok(RegisterCustomer {
            customer_id: None,
            contact: self.contact.into(),
            tax: self.tax.into_domain()?,
        })
    }
}
