//! The customer: who is invoiced, with contact and tax details, until archived.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aggregate::{cqrs_aggregate, domain_event, Decide, TenantOwned};
use crate::error_code::{Coded, ErrorCode};
use crate::ids::{CustomerId, TenantId};
use crate::money::Currency;
use crate::sat::{SatError, SatReceiver};
use crate::tax_id::{canonical_tax_id, TaxIdError};

/// How to reach a customer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct ContactDetails {
    /// Legal or display name (required).
    pub name: String,
    /// Billing e-mail address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Postal address, as printed.
    pub address: Option<String>,
}

/// What an erased customer's name reads as (its other contact fields read as none).
pub const ERASED_NAME: &str = "[erased]";

impl ContactDetails {
    /// What contact details read as once their subject's personal data is erased.
    pub fn erased() -> Self {
        ContactDetails {
            name: ERASED_NAME.to_owned(),
            email: None,
            phone: None,
            address: None,
        }
    }
}

/// What invoicing a customer needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TaxDetails {
    /// Tax identifier (VAT number, RFC, EIN...), if any: an EU or UK VAT number
    /// with its country prefix and no spaces or dots, an upper-case RFC.
    pub tax_id: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// Currency new invoices default to.
    pub default_currency: Currency,
    /// Days after issue an invoice falls due by default.
    pub payment_terms_days: u16,
    /// For a customer in Mexico, what its CFDIs say of it besides its RFC
    /// and name: regime, tax address's postal code, CFDI use. Absent on
    /// customers registered before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sat: Option<SatReceiver>,
}

/// A command to the customer aggregate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CustomerCommand {
    /// Register a new customer.
    Register {
        /// The caller's tenant: it owns the new aggregate, and no other tenant's command
        /// finds it.
        tenant_id: TenantId,
        /// The new customer's id.
        customer_id: CustomerId,
        /// Contact details.
        contact: ContactDetails,
        /// Tax details.
        tax: TaxDetails,
    },
    /// Replace the contact details.
    UpdateContact {
        /// New contact details.
        contact: ContactDetails,
    },
    /// Replace the tax details.
    UpdateTaxDetails {
        /// New tax details.
        tax: TaxDetails,
    },
    /// Archive: no new invoices; history stays.
    Archive {
        /// Why, in words kept with the record and shown in the history.
        reason: String,
    },
    /// Erase the customer's personal data (contact details) for good: the store
    /// destroys the key it was sealed with. Invoices and amounts stay.
    ErasePersonalData {
        /// Why (e.g. the data-subject request's reference).
        reason: String,
    },
}

/// An event of the customer aggregate.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
pub enum CustomerEvent {
    /// A customer was registered.
    CustomerRegistered {
        /// The tenant that owns the aggregate from now on: any other tenant's command finds
        /// nothing.
        tenant_id: TenantId,
        /// The customer's id.
        customer_id: CustomerId,
        /// Contact details.
        contact: ContactDetails,
        /// Tax details.
        tax: TaxDetails,
    },
    /// Contact details changed.
    CustomerContactUpdated {
        /// New contact details.
        contact: ContactDetails,
    },
    /// Tax details changed.
    CustomerTaxDetailsUpdated {
        /// New tax details.
        tax: TaxDetails,
    },
    /// The customer was archived.
    CustomerArchived {
        /// Why, in words kept with the record and shown in the history.
        reason: String,
    },
    /// The customer's personal data was erased: its key is destroyed, and every
    /// earlier contact reads as erased.
    CustomerPersonalDataErased {
        /// Why, in words kept with the record and shown in the history.
        reason: String,
    },
}

domain_event!(CustomerEvent);

/// A refused customer command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum CustomerError {
    /// Already registered.
    #[error("a customer with this id already exists")]
    AlreadyRegistered,
    /// No such customer.
    #[error("customer not found")]
    NotFound,
    /// Archived customers cannot change.
    #[error("the customer is archived")]
    Archived,
    /// Name is required.
    #[error("a customer needs a name of 1 to 200 characters")]
    InvalidName,
    /// E-mail is malformed. The address is not echoed: a refused command's
    /// outcome is stored (for idempotent retries), and personal data must never
    /// be stored outside the sealed events.
    #[error("the contact e-mail is not an e-mail address")]
    InvalidEmail,
    /// Country is not ISO 3166-1 alpha-2.
    #[error("'{0}' is not an ISO 3166-1 alpha-2 country code (e.g. MX, DE)")]
    InvalidCountry(String),
    /// The tax id does not fit its country's format or check digits.
    #[error(transparent)]
    InvalidTaxId(#[from] TaxIdError),
    /// The Mexican receiver data is malformed or does not fit the RFC.
    #[error(transparent)]
    Sat(#[from] SatError),
    /// SAT receiver data was given for a customer outside Mexico.
    #[error("SAT receiver data is for customers in Mexico (country MX), not {0}")]
    SatOutsideMexico(String),
    /// Payment terms out of range.
    #[error("payment terms of {0} days are out of range (0 to 365)")]
    InvalidPaymentTerms(u16),
    /// A text field is too long.
    #[error("{field} is longer than {max} characters")]
    TooLong {
        /// The field.
        field: String,
        /// The most allowed.
        max: usize,
    },
    /// A reason is required.
    #[error("a reason is required")]
    ReasonRequired,
    /// The customer's personal data was erased; no new personal data is taken.
    #[error("the customer's personal data was erased; its contact details cannot change")]
    PersonalDataErased,
}

impl Coded for CustomerError {
    fn code(&self) -> ErrorCode {
        match self {
            CustomerError::NotFound => ErrorCode::NotFound,
            CustomerError::AlreadyRegistered
            | CustomerError::Archived
            | CustomerError::PersonalDataErased => ErrorCode::Conflict,
            _ => ErrorCode::Validation,
        }
    }
}

/// What a lookup of a customer found, handed to commands that refer to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CustomerStanding {
    /// Registered in this tenant and not archived.
    Active,
    /// Registered in this tenant but archived.
    Archived,
    /// Not registered in this tenant.
    Unknown,
}

impl Customer {
    /// This customer's standing as seen from `tenant_id`.
    pub fn standing_for(&self, tenant_id: TenantId) -> CustomerStanding {
        match (self.tenant_id, self.archived) {
            (Some(owner), _) if owner != tenant_id => CustomerStanding::Unknown,
            (None, _) => CustomerStanding::Unknown,
            (Some(_), true) => CustomerStanding::Archived,
            (Some(_), false) => CustomerStanding::Active,
        }
    }
}

/// The customer aggregate's state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Customer {
    /// Owning tenant (set by registration).
    pub tenant_id: Option<TenantId>,
    /// The customer's id.
    pub customer_id: Option<CustomerId>,
    /// Contact details.
    pub contact: ContactDetails,
    /// Tax details.
    pub tax: Option<TaxDetails>,
    /// Whether archived.
    pub archived: bool,
    /// Whether its personal data was erased.
    #[serde(default)]
    pub erased: bool,
}

fn trimmed(text: &Option<String>) -> Option<String> {
    text.as_ref()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

fn check_length(field: &str, value: &Option<String>, max: usize) -> Result<(), CustomerError> {
    match value {
        Some(v) if v.chars().count() > max => Err(CustomerError::TooLong {
            field: field.into(),
            max,
        }),
        _ => Ok(()),
    }
}

fn clean_contact(contact: ContactDetails) -> Result<ContactDetails, CustomerError> {
    let name = contact.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(CustomerError::InvalidName);
    }
    let email = trimmed(&contact.email);
    if let Some(email) = &email {
        if !crate::email::is_email_address(email) {
            return Err(CustomerError::InvalidEmail);
        }
    }
    let phone = trimmed(&contact.phone);
    check_length("phone", &phone, 40)?;
    let address = trimmed(&contact.address);
    check_length("address", &address, 1000)?;
    Ok(ContactDetails {
        name,
        email,
        phone,
        address,
    })
}

/// The officially assigned ISO 3166-1 alpha-2 codes (249, as of the standard's
/// 2024 state), sorted, plus `XK` (Kosovo), the user-assigned code the EU, the
/// SWIFT network and most invoicing systems use. "ZZ" or "UK" is not a country.
const COUNTRIES: [&str; 250] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW", "XK",
];

/// Whether `code` is an ISO 3166-1 alpha-2 code assigned to a country, or `XK`.
pub fn is_country(code: &str) -> bool {
    code == "XK"
        || COUNTRIES[..COUNTRIES.len() - 1]
            .binary_search(&code)
            .is_ok()
}

fn clean_tax(tax: TaxDetails) -> Result<TaxDetails, CustomerError> {
    let country = tax.country.trim().to_owned();
    if !is_country(&country) {
        return Err(CustomerError::InvalidCountry(country));
    }
    if tax.payment_terms_days > 365 {
        return Err(CustomerError::InvalidPaymentTerms(tax.payment_terms_days));
    }
    let tax_id = trimmed(&tax.tax_id)
        .map(|id| canonical_tax_id(&country, &id))
        .transpose()?;
    let sat = match tax.sat {
        Some(_) if country != "MX" => return Err(CustomerError::SatOutsideMexico(country)),
        Some(sat) => Some(sat.validated(tax_id.as_deref())?),
        None => None,
    };
    Ok(TaxDetails {
        tax_id,
        country,
        sat,
        ..tax
    })
}

impl Customer {
    fn require_active(&self) -> Result<(), CustomerError> {
        if self.customer_id.is_none() {
            Err(CustomerError::NotFound)
        } else if self.archived {
            Err(CustomerError::Archived)
        } else {
            Ok(())
        }
    }

    /// Folds one event into the state.
    pub fn fold(&mut self, event: CustomerEvent) {
        match event {
            CustomerEvent::CustomerRegistered {
                tenant_id,
                customer_id,
                contact,
                tax,
            } => {
                self.tenant_id = Some(tenant_id);
                self.customer_id = Some(customer_id);
                self.contact = contact;
                self.tax = Some(tax);
            }
            CustomerEvent::CustomerContactUpdated { contact } => self.contact = contact,
            CustomerEvent::CustomerTaxDetailsUpdated { tax } => self.tax = Some(tax),
            CustomerEvent::CustomerArchived { .. } => self.archived = true,
            CustomerEvent::CustomerPersonalDataErased { .. } => {
                self.contact = ContactDetails::erased();
                self.erased = true;
            }
        }
    }
}

impl Decide for Customer {
    fn decide(&self, command: CustomerCommand) -> Result<Vec<CustomerEvent>, CustomerError> {
        match command {
            CustomerCommand::Register {
                tenant_id,
                customer_id,
                contact,
                tax,
            } => {
                if self.customer_id.is_some() {
                    return Err(CustomerError::AlreadyRegistered);
                }
                Ok(vec![CustomerEvent::CustomerRegistered {
                    tenant_id,
                    customer_id,
                    contact: clean_contact(contact)?,
                    tax: clean_tax(tax)?,
                }])
            }
            CustomerCommand::UpdateContact { contact } => {
                self.require_active()?;
                if self.erased {
                    return Err(CustomerError::PersonalDataErased);
                }
                Ok(vec![CustomerEvent::CustomerContactUpdated {
                    contact: clean_contact(contact)?,
                }])
            }
            CustomerCommand::UpdateTaxDetails { tax } => {
                self.require_active()?;
                Ok(vec![CustomerEvent::CustomerTaxDetailsUpdated {
                    tax: clean_tax(tax)?,
                }])
            }
            CustomerCommand::Archive { reason } => {
                self.require_active()?;
                let reason = reason.trim().to_owned();
                if reason.is_empty() {
                    return Err(CustomerError::ReasonRequired);
                }
                Ok(vec![CustomerEvent::CustomerArchived { reason }])
            }
            CustomerCommand::ErasePersonalData { reason } => {
                // Archived customers can be erased too: that is the usual order.
                if self.customer_id.is_none() {
                    return Err(CustomerError::NotFound);
                }
                let reason = reason.trim().to_owned();
                if reason.is_empty() {
                    return Err(CustomerError::ReasonRequired);
                }
                if self.erased {
                    return Ok(vec![]);
                }
                Ok(vec![CustomerEvent::CustomerPersonalDataErased { reason }])
            }
        }
    }
}

impl TenantOwned for Customer {
    fn tenant(&self) -> Option<TenantId> {
        self.tenant_id
    }
}

cqrs_aggregate!(Customer, type = "Customer", command = CustomerCommand, event = CustomerEvent, error = CustomerError);

#[cfg(test)]
mod tests {
    use super::*;
    use cqrs_es::test::TestFramework;
    use uuid::Uuid;

    type CustomerTest = TestFramework<Customer>;

    fn ids() -> (TenantId, CustomerId) {
        (TenantId(Uuid::from_u128(1)), CustomerId(Uuid::from_u128(2)))
    }

    fn contact() -> ContactDetails {
        ContactDetails {
            name: "Acme S.A. de C.V.".into(),
            email: Some("billing@acme.mx".into()),
            phone: None,
            address: Some("Av. Reforma 1, CDMX".into()),
        }
    }

    fn tax() -> TaxDetails {
        TaxDetails {
            tax_id: Some("ACM010101AB0".into()),
            country: "MX".into(),
            default_currency: Currency::from_code("MXN").unwrap(),
            payment_terms_days: 30,
            sat: None,
        }
    }

    fn registered() -> CustomerEvent {
        let (tenant_id, customer_id) = ids();
        CustomerEvent::CustomerRegistered {
            tenant_id,
            customer_id,
            contact: contact(),
            tax: tax(),
        }
    }

    #[test]
    fn registering_a_customer_records_its_details() {
        let (tenant_id, customer_id) = ids();
        CustomerTest::with(())
            .given_no_previous_events()
            .when(CustomerCommand::Register {
                tenant_id,
                customer_id,
                contact: contact(),
                tax: tax(),
            })
            .then_expect_events(vec![registered()]);
    }

    #[test]
    fn registering_twice_is_a_conflict() {
        let (tenant_id, customer_id) = ids();
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::Register {
                tenant_id,
                customer_id,
                contact: contact(),
                tax: tax(),
            })
            .then_expect_error(CustomerError::AlreadyRegistered);
    }

    #[test]
    fn a_customer_needs_a_name() {
        let (tenant_id, customer_id) = ids();
        let contact = ContactDetails {
            name: "  ".into(),
            ..contact()
        };
        CustomerTest::with(())
            .given_no_previous_events()
            .when(CustomerCommand::Register {
                tenant_id,
                customer_id,
                contact,
                tax: tax(),
            })
            .then_expect_error(CustomerError::InvalidName);
    }

    #[test]
    fn a_malformed_email_is_refused() {
        let contact = ContactDetails {
            email: Some("acme.mx".into()),
            ..contact()
        };
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::UpdateContact { contact })
            .then_expect_error(CustomerError::InvalidEmail);
    }

    #[test]
    fn two_capital_letters_are_not_a_country_unless_iso_assigned_them() {
        for (code, known) in [
            ("DE", true),
            ("MX", true),
            ("XK", true),
            ("ZW", true),
            ("AD", true),
            ("ZZ", false),
            ("UK", false),
            ("EU", false),
            ("de", false),
        ] {
            assert_eq!(is_country(code), known, "{code}");
        }
        let tax = TaxDetails {
            country: "ZZ".into(),
            ..tax()
        };
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::UpdateTaxDetails { tax })
            .then_expect_error(CustomerError::InvalidCountry("ZZ".into()));
    }

    #[test]
    fn a_country_must_be_iso_alpha_2() {
        let tax = TaxDetails {
            country: "Mexico".into(),
            ..tax()
        };
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::UpdateTaxDetails { tax })
            .then_expect_error(CustomerError::InvalidCountry("Mexico".into()));
    }

    #[test]
    fn a_vat_number_with_a_wrong_check_digit_is_refused_and_nothing_changes() {
        let tax = TaxDetails {
            tax_id: Some("DE 136 695 978".into()),
            country: "DE".into(),
            ..tax()
        };
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::UpdateTaxDetails { tax })
            .then_expect_error(CustomerError::InvalidTaxId(TaxIdError::CheckDigits {
                country: "DE".into(),
                tax_id: "DE 136 695 978".into(),
            }));
    }

    #[test]
    fn a_vat_number_is_recorded_in_its_canonical_form() {
        let tax = TaxDetails {
            tax_id: Some(" 136.695.976 ".into()),
            country: "DE".into(),
            ..tax()
        };
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::UpdateTaxDetails { tax: tax.clone() })
            .then_expect_events(vec![CustomerEvent::CustomerTaxDetailsUpdated {
                tax: TaxDetails {
                    tax_id: Some("DE136695976".into()),
                    ..tax
                },
            }]);
    }

    fn mexican_receiver(cfdi_use: &str) -> TaxDetails {
        TaxDetails {
            sat: Some(SatReceiver {
                tax_regime: "601".into(),
                postal_code: " 06600".into(),
                cfdi_use: cfdi_use.into(),
            }),
            ..tax()
        }
    }

    #[test]
    fn a_mexican_customer_keeps_its_sat_receiver_data_checked_against_its_rfc() {
        let tax = mexican_receiver("G03");
        let mut recorded = tax.clone();
        if let Some(sat) = recorded.sat.as_mut() {
            sat.postal_code = "06600".into();
        }
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::UpdateTaxDetails { tax })
            .then_expect_events(vec![CustomerEvent::CustomerTaxDetailsUpdated {
                tax: recorded,
            }]);
        // A company (12-character RFC) cannot deduct medical expenses (D01).
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::UpdateTaxDetails {
                tax: mexican_receiver("D01"),
            })
            .then_expect_error(CustomerError::Sat(SatError::UseNotForPerson {
                cfdi_use: "D01".into(),
                rfc: "ACM010101AB0".into(),
                person: "a legal person".into(),
            }));
    }

    #[test]
    fn sat_receiver_data_is_refused_outside_mexico() {
        let tax = TaxDetails {
            tax_id: None,
            country: "DE".into(),
            ..mexican_receiver("G03")
        };
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::UpdateTaxDetails { tax })
            .then_expect_error(CustomerError::SatOutsideMexico("DE".into()));
    }

    #[test]
    fn an_rfc_with_an_impossible_date_is_refused() {
        let tax = TaxDetails {
            tax_id: Some("ACM013101ABC".into()),
            ..tax()
        };
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::UpdateTaxDetails { tax })
            .then_expect_error(CustomerError::InvalidTaxId(TaxIdError::Malformed {
                country: "MX".into(),
                tax_id: "ACM013101ABC".into(),
                expected:
                    "an RFC: 3 letters (4 for a person), a date YYMMDD and a 3-character homoclave"
                        .into(),
            }));
    }

    #[test]
    fn payment_terms_beyond_a_year_are_refused() {
        let tax = TaxDetails {
            payment_terms_days: 400,
            ..tax()
        };
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::UpdateTaxDetails { tax })
            .then_expect_error(CustomerError::InvalidPaymentTerms(400));
    }

    #[test]
    fn contact_details_are_trimmed_when_updated() {
        let messy = ContactDetails {
            name: " Acme ".into(),
            email: Some(" ".into()),
            ..contact()
        };
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::UpdateContact { contact: messy })
            .then_expect_events(vec![CustomerEvent::CustomerContactUpdated {
                contact: ContactDetails {
                    name: "Acme".into(),
                    email: None,
                    ..contact()
                },
            }]);
    }

    #[test]
    fn tax_details_can_change_while_active() {
        let tax = TaxDetails {
            payment_terms_days: 15,
            ..tax()
        };
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::UpdateTaxDetails { tax: tax.clone() })
            .then_expect_events(vec![CustomerEvent::CustomerTaxDetailsUpdated { tax }]);
    }

    #[test]
    fn archiving_needs_a_reason_and_freezes_the_customer() {
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::Archive { reason: "".into() })
            .then_expect_error(CustomerError::ReasonRequired);
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::Archive {
                reason: "merged".into(),
            })
            .then_expect_events(vec![CustomerEvent::CustomerArchived {
                reason: "merged".into(),
            }]);
        CustomerTest::with(())
            .given(vec![
                registered(),
                CustomerEvent::CustomerArchived {
                    reason: "merged".into(),
                },
            ])
            .when(CustomerCommand::UpdateContact { contact: contact() })
            .then_expect_error(CustomerError::Archived);
    }

    fn erased() -> CustomerEvent {
        CustomerEvent::CustomerPersonalDataErased {
            reason: "GDPR request 42".into(),
        }
    }

    #[test]
    fn erasing_personal_data_needs_a_reason_and_works_on_archived_customers() {
        CustomerTest::with(())
            .given(vec![registered()])
            .when(CustomerCommand::ErasePersonalData { reason: " ".into() })
            .then_expect_error(CustomerError::ReasonRequired);
        CustomerTest::with(())
            .given(vec![
                registered(),
                CustomerEvent::CustomerArchived {
                    reason: "closed".into(),
                },
            ])
            .when(CustomerCommand::ErasePersonalData {
                reason: " GDPR request 42 ".into(),
            })
            .then_expect_events(vec![erased()]);
    }

    #[test]
    fn erasing_twice_changes_nothing_and_an_unknown_customer_cannot_be_erased() {
        CustomerTest::with(())
            .given(vec![registered(), erased()])
            .when(CustomerCommand::ErasePersonalData {
                reason: "again".into(),
            })
            .then_expect_events(vec![]);
        CustomerTest::with(())
            .given_no_previous_events()
            .when(CustomerCommand::ErasePersonalData {
                reason: "GDPR request 42".into(),
            })
            .then_expect_error(CustomerError::NotFound);
    }

    #[test]
    fn an_erased_customer_takes_no_new_contact_details_but_keeps_its_tax_details() {
        CustomerTest::with(())
            .given(vec![registered(), erased()])
            .when(CustomerCommand::UpdateContact { contact: contact() })
            .then_expect_error(CustomerError::PersonalDataErased);
        let tax = TaxDetails {
            payment_terms_days: 15,
            ..tax()
        };
        CustomerTest::with(())
            .given(vec![registered(), erased()])
            .when(CustomerCommand::UpdateTaxDetails { tax: tax.clone() })
            .then_expect_events(vec![CustomerEvent::CustomerTaxDetailsUpdated { tax }]);
    }

    #[test]
    fn after_erasure_the_state_holds_no_contact_details() {
        let mut customer = Customer::default();
        customer.fold(registered());
        customer.fold(erased());
        assert_eq!(customer.contact, ContactDetails::erased());
        assert!(customer.erased);
    }

    #[test]
    fn an_unknown_customer_cannot_be_changed() {
        CustomerTest::with(())
            .given_no_previous_events()
            .when(CustomerCommand::Archive { reason: "x".into() })
            .then_expect_error(CustomerError::NotFound);
    }
}
