//! Mexico's tax data as GraphQL reads and writes it: the tenant's issuer
//! (`tenantSettings.satIssuer`, `configureSatIssuer`), a customer's receiver
//! data (`TaxDetailsInput.sat`), a line's keys (`LineInput.sat`) and a draft's
//! payment terms (`setInvoiceCfdiTerms`). One shape each for output and input
//! (named `...Input` on the input side), mapped field by field to the
//! domain's; every code is checked against SAT's catalogues by the domain.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use base64::Engine;
use chrono::{DateTime, Utc};
use folio_commands::csd::CsdFiles;
use folio_domain::sat as domain;

use folio_commands::reads::PageRequest;

use super::context::request;
use super::ids::uuid_arg;
use super::outcome::CommandResult;
use super::paging::{connection, List};
use crate::error::{read, validation};

/// Who the tenant is on its CFDIs.
#[derive(Debug, Clone, SimpleObject, InputObject)]
#[graphql(input_name = "SatIssuerInput")]
pub struct SatIssuer {
    /// The RFC, e.g. `EKU9003173C9`; its check digit is verified and the
    /// tenant's certificate (CSD) must be issued to it.
    pub rfc: String,
    /// The name exactly as SAT's registry has it, for a company without its
    /// legal form, e.g. `ESCUELA KEMPER URGATE`.
    pub name: String,
    /// The tax regime, a c_RegimenFiscal code, e.g. `601`.
    pub tax_regime: String,
    /// The postal code invoices are issued from (`LugarExpedicion`), e.g.
    /// `26015`.
    pub postal_code: String,
}

impl From<domain::SatIssuer> for SatIssuer {
    fn from(issuer: domain::SatIssuer) -> Self {
        SatIssuer {
            rfc: issuer.rfc,
            name: issuer.name,
            tax_regime: issuer.tax_regime,
            postal_code: issuer.postal_code,
        }
    }
}

impl From<SatIssuer> for domain::SatIssuer {
    fn from(issuer: SatIssuer) -> Self {
        domain::SatIssuer {
            rfc: issuer.rfc,
            name: issuer.name,
            tax_regime: issuer.tax_regime,
            postal_code: issuer.postal_code,
        }
    }
}

/// A Mexican customer as the receiver of CFDIs, besides its RFC (`taxId`)
/// and its name (which must be SAT's).
#[derive(Debug, Clone, SimpleObject, InputObject)]
#[graphql(input_name = "SatReceiverInput")]
pub struct SatReceiver {
    /// Its tax regime, a c_RegimenFiscal code, e.g. `601`; `616` for the
    /// general public (RFC `XAXX010101000`).
    pub tax_regime: String,
    /// The postal code of its tax address.
    pub postal_code: String,
    /// What it uses invoices for unless a draft says otherwise, a c_UsoCFDI
    /// code, e.g. `G03`; it must be allowed with the regime.
    pub cfdi_use: String,
}

impl From<domain::SatReceiver> for SatReceiver {
    fn from(receiver: domain::SatReceiver) -> Self {
        SatReceiver {
            tax_regime: receiver.tax_regime,
            postal_code: receiver.postal_code,
            cfdi_use: receiver.cfdi_use,
        }
    }
}

impl From<SatReceiver> for domain::SatReceiver {
    fn from(receiver: SatReceiver) -> Self {
        domain::SatReceiver {
            tax_regime: receiver.tax_regime,
            postal_code: receiver.postal_code,
            cfdi_use: receiver.cfdi_use,
        }
    }
}

/// What a line sells, in SAT's terms.
#[derive(Debug, Clone, SimpleObject, InputObject)]
#[graphql(input_name = "SatLineKeysInput")]
pub struct SatLineKeys {
    /// The product or service key, a c_ClaveProdServ code, e.g. `84111506`.
    pub product_key: String,
    /// The unit key, a c_ClaveUnidad code, e.g. `E48` (unit of service).
    pub unit_key: String,
    /// Whether the line is subject to tax, a c_ObjetoImp code; null: `02`
    /// for a line with taxes, `01` for one without.
    pub tax_object: Option<String>,
}

impl From<domain::SatLineKeys> for SatLineKeys {
    fn from(keys: domain::SatLineKeys) -> Self {
        SatLineKeys {
            product_key: keys.product_key,
            unit_key: keys.unit_key,
            tax_object: keys.tax_object,
        }
    }
}

impl From<SatLineKeys> for domain::SatLineKeys {
    fn from(keys: SatLineKeys) -> Self {
        domain::SatLineKeys {
            product_key: keys.product_key,
            unit_key: keys.unit_key,
            tax_object: keys.tax_object,
        }
    }
}

/// How a Mexican invoice is paid (c_MetodoPago).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "folio_domain::sat::SatPaymentMethod")]
pub enum SatPaymentMethod {
    /// Paid in one payment when issued.
    Pue,
    /// Paid later or in instalments; each payment gets a payment complement.
    Ppd,
}

/// A Mexican draft's payment terms and use.
#[derive(Debug, Clone, SimpleObject, InputObject)]
#[graphql(input_name = "CfdiTermsInput")]
pub struct CfdiTerms {
    /// `PUE` or `PPD`.
    pub payment_method: SatPaymentMethod,
    /// The form of payment, a c_FormaPago code: `99` (to be defined) with
    /// `PPD`, how it was paid with `PUE`, e.g. `03` for a transfer.
    pub payment_form: String,
    /// The receiver's use, a c_UsoCFDI code; null: the customer's.
    pub cfdi_use: Option<String>,
}

impl CfdiTerms {
    /// The terms as the read model stores them; none until a method is set.
    pub fn of_stored(
        method: Option<&str>,
        payment_form: Option<String>,
        cfdi_use: Option<String>,
    ) -> Option<CfdiTerms> {
        let payment_method = match method? {
            "PUE" => SatPaymentMethod::Pue,
            "PPD" => SatPaymentMethod::Ppd,
            _ => return None,
        };
        Some(CfdiTerms {
            payment_method,
            payment_form: payment_form?,
            cfdi_use,
        })
    }
}

impl From<domain::SatPaymentTerms> for CfdiTerms {
    fn from(terms: domain::SatPaymentTerms) -> Self {
        CfdiTerms {
            payment_method: terms.payment_method.into(),
            payment_form: terms.payment_form,
            cfdi_use: terms.cfdi_use,
        }
    }
}

impl From<CfdiTerms> for domain::SatPaymentTerms {
    fn from(terms: CfdiTerms) -> Self {
        domain::SatPaymentTerms {
            payment_method: terms.payment_method.into(),
            payment_form: terms.payment_form,
            cfdi_use: terms.cfdi_use,
        }
    }
}

/// The certificate (CSD) the tenant's CFDIs are sealed with.
#[derive(Debug, Clone, SimpleObject)]
pub struct InstalledCsd {
    /// SAT's certificate number (`NoCertificado`), 20 digits.
    pub certificate_number: String,
    /// The RFC it is issued to.
    pub holder_rfc: String,
    /// Its first moment in force.
    pub valid_from: DateTime<Utc>,
    /// Its last moment in force.
    pub valid_until: DateTime<Utc>,
}

impl From<domain::InstalledCsd> for InstalledCsd {
    fn from(csd: domain::InstalledCsd) -> Self {
        InstalledCsd {
            certificate_number: csd.certificate_number,
            holder_rfc: csd.holder_rfc,
            valid_from: csd.valid_from,
            valid_until: csd.valid_until,
        }
    }
}

/// `text`'s bytes, decoded from base64, or a VALIDATION error naming `field`.
fn base64_arg(text: &str, field: &str) -> async_graphql::Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| validation(format!("{field} is not base64 (RFC 4648, with padding)")).into())
}

/// One of SAT's catalogues a person picks codes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "folio_domain::sat::catalogue::Catalogue")]
pub enum SatCatalogue {
    /// c_ClaveProdServ: what a line sells.
    ProductOrService,
    /// c_ClaveUnidad: the unit a line counts in.
    Unit,
    /// c_FormaPago: how an invoice is paid.
    PaymentForm,
    /// c_RegimenFiscal: an issuer's or receiver's tax regime.
    TaxRegime,
    /// c_UsoCFDI: what the receiver uses the invoice for.
    CfdiUse,
    /// c_ObjetoImp: whether a line is subject to tax.
    TaxObject,
}

/// A code of one of SAT's catalogues.
#[derive(Debug, Clone, SimpleObject)]
pub struct SatCode {
    /// The code, e.g. `84111506`.
    pub code: String,
    /// What SAT calls it, e.g. `Servicios de facturación`.
    pub description: String,
}

impl From<folio_commands::reads::SatCode> for SatCode {
    fn from(code: folio_commands::reads::SatCode) -> Self {
        SatCode {
            code: code.code.to_owned(),
            description: code.description.to_owned(),
        }
    }
}

/// Queries of Mexico's tax data.
#[derive(Debug, Default)]
pub struct MexicoQuery;

#[Object]
impl MexicoQuery {
    /// Codes of one of SAT's catalogues (the version Folio checks against),
    /// in code order: for the pickers of regimes, uses, product and unit
    /// keys. `search` finds codes that start with it or whose description
    /// holds its every word, case and accents aside (`facturacion` finds
    /// `84111506`).
    async fn sat_codes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which catalogue.")] catalogue: SatCatalogue,
        #[graphql(desc = "A code's start or words of its description.")] search: Option<String>,
        #[graphql(desc = "Page size, 20 if not given; at most the server's page limit.")]
        first: Option<i32>,
        #[graphql(desc = "The cursor of the last edge of the previous page.")] after: Option<
            String,
        >,
    ) -> async_graphql::Result<List<SatCode>> {
        let slice = request(ctx)?
            .reads
            .sat_codes(
                catalogue.into(),
                search.as_deref(),
                &PageRequest { first, after },
            )
            .map_err(read)?;
        Ok(connection(slice))
    }
}

/// Mutations of Mexico's tax data.
#[derive(Debug, Default)]
pub struct MexicoMutation;

#[Object]
impl MexicoMutation {
    /// States who the tenant is on its CFDIs: RFC, SAT's name, tax regime and
    /// the postal code it issues from. Needed before an invoice is issued
    /// under the MX jurisdiction.
    async fn configure_sat_issuer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The whole issuer data: it replaces what is in force.")] issuer: SatIssuer,
    ) -> async_graphql::Result<CommandResult> {
        let issuer: domain::SatIssuer = issuer.into();
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.configure_sat_issuer(&c, issuer)
        })
    }

    /// Installs the certificate (CSD) the tenant's CFDIs are sealed with,
    /// from SAT's files: the `.cer`, the `.key` and the key's password. The
    /// key must open with the password and be the certificate's; the
    /// certificate must be in force and issued to the RFC of
    /// `configureSatIssuer`. Else VALIDATION, and nothing is kept. The key and
    /// the password are never in the events nor answered again.
    async fn install_csd(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(desc = "The certificate (`.cer`, DER) in base64.")] certificate_base64: String,
        #[graphql(desc = "The private key (`.key`, encrypted PKCS#8 DER) in base64.")]
        private_key_base64: String,
        #[graphql(desc = "The private key's password.")] password: String,
    ) -> async_graphql::Result<CommandResult> {
        let files = CsdFiles {
            certificate: base64_arg(&certificate_base64, "certificateBase64")?,
            private_key: base64_arg(&private_key_base64, "privateKeyBase64")?,
            password,
        };
        let installer = request(ctx)?.csd.clone();
        command!(ctx, idempotency_key, None, |_use_cases, c| {
            installer.install(&c, files)
        })
    }

    /// Sets how a Mexican draft is paid (`PUE`/`PPD`, the form of payment)
    /// and what the receiver uses it for; until set, `PPD`, `99` and the
    /// customer's use.
    async fn set_invoice_cfdi_terms(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The draft's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The terms from now on.")] terms: CfdiTerms,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let terms: domain::SatPaymentTerms = terms.into();
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.set_invoice_cfdi_terms(&c, id, terms)
        })
    }
}
