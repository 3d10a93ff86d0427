//! `folio demo`'s Mexican tenant: an issuer under the MX jurisdiction sealing
//! with SAT's test certificate (`fixtures/sat-test-csd/`, RFC AAA010101AAA:
//! public, and not valid for real invoices), a Mexican company as customer and
//! a professional-services invoice with IVA and the withholdings a company
//! makes, issued with SAT's data. Its CFDI is sealed on demand by
//! `folio documents render --format cfdi`.

use std::cell::Cell;

use folio::wiring::App;
use folio_commands::csd::{CsdFiles, CsdInstaller};
use folio_commands::{
    AddInvoiceLine, Caller, CommandContext, CreateInvoiceDraft, IssueInvoice, RegisterCustomer,
    Role,
};
use folio_domain::customer::{ContactDetails, TaxDetails};
use folio_domain::ids::{CustomerId, InvoiceId, TenantId, UserId};
use folio_domain::money::Currency;
use folio_domain::pricing::LineItem;
use folio_domain::sat::{SatIssuer, SatLineKeys, SatReceiver};
use folio_domain::settings::Jurisdiction;
use folio_domain::tax::{TaxRate, TaxTreatment};
use rust_decimal::Decimal;
use uuid::Uuid;

/// SAT's test CSD, and the password SAT publishes with it.
const CERTIFICATE: &[u8] = include_bytes!("../fixtures/sat-test-csd/emisor2021.cer");
const PRIVATE_KEY: &[u8] = include_bytes!("../fixtures/sat-test-csd/emisor2021.key");
const PASSWORD: &str = "12345678a";

/// What the Mexican demo made.
pub struct MexicanDemo {
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Its invoice, issued under MX.
    pub invoice_id: InvoiceId,
}

/// The Mexican tenant's users, each acting with one role and a fresh key.
struct Users {
    tenant_id: TenantId,
    run: Uuid,
    step: Cell<u32>,
}

impl Users {
    fn as_user(&self, user: &str, role: Role) -> CommandContext {
        self.step.set(self.step.get() + 1);
        CommandContext::new(
            Caller::new(self.tenant_id, UserId::new(user), vec![role]),
            format!("demo-mx-{}-{}", self.run, self.step.get()),
        )
    }

    fn admin(&self) -> CommandContext {
        self.as_user("demo-mx-admin", Role::Admin)
    }

    fn accountant(&self) -> CommandContext {
        self.as_user("demo-mx-accountant", Role::Accountant)
    }
}

fn tax(code: &str, percent: Decimal, treatment: TaxTreatment) -> TaxRate {
    TaxRate {
        code: code.into(),
        percent,
        treatment,
        category: None,
        exemption: None,
    }
}

/// Builds the Mexican tenant through the use cases.
pub async fn run(app: &App, run: Uuid) -> anyhow::Result<MexicanDemo> {
    let users = Users {
        tenant_id: TenantId(Uuid::now_v7()),
        run,
        step: Cell::new(0),
    };
    let use_cases = &app.use_cases;
    use_cases
        .configure_jurisdiction(&users.admin(), Jurisdiction::Mx)
        .await?;
    use_cases
        .configure_timezone(&users.admin(), "America/Mexico_City".into())
        .await?;
    let issuer = SatIssuer {
        rfc: "AAA010101AAA".into(),
        name: "ACCEM SERVICIOS EMPRESARIALES".into(),
        tax_regime: "601".into(),
        postal_code: "06600".into(),
    };
    use_cases
        .configure_sat_issuer(&users.admin(), issuer)
        .await?;
    let files = CsdFiles {
        certificate: CERTIFICATE.to_vec(),
        private_key: PRIVATE_KEY.to_vec(),
        password: PASSWORD.into(),
    };
    CsdInstaller::new(use_cases.clone(), app.csd_vault())
        .install(&users.admin(), files)
        .await?;
    let customer = register_customer(app, &users).await?;
    let invoice_id = professional_services(app, &users, customer).await?;
    Ok(MexicanDemo {
        tenant_id: users.tenant_id,
        invoice_id,
    })
}

/// A Mexican company (SAT's test receiver RFC) using invoices for general
/// expenses.
async fn register_customer(app: &App, users: &Users) -> anyhow::Result<CustomerId> {
    let input = RegisterCustomer {
        customer_id: None,
        contact: ContactDetails {
            name: "ESCUELA KEMPER URGATE".into(),
            email: Some("cuentas@kemper.example".into()),
            phone: None,
            address: None,
        },
        tax: TaxDetails {
            tax_id: Some("EKU9003173C9".into()),
            country: "MX".into(),
            default_currency: Currency::from_code("MXN")?,
            payment_terms_days: 30,
            sat: Some(SatReceiver {
                tax_regime: "601".into(),
                postal_code: "26015".into(),
                cfdi_use: "G03".into(),
            }),
        },
    };
    let outcome = app
        .use_cases
        .register_customer(&users.accountant(), input)
        .await?;
    Ok(CustomerId(outcome.aggregate_id.parse()?))
}

/// Accounting services with IVA 16%, ISR 10% and two thirds of the IVA
/// withheld, paid later (PPD, form 99), issued today.
async fn professional_services(
    app: &App,
    users: &Users,
    customer: CustomerId,
) -> anyhow::Result<InvoiceId> {
    let use_cases = &app.use_cases;
    let draft = CreateInvoiceDraft {
        invoice_id: None,
        customer_id: customer,
        currency: None,
        due_terms: None,
        notes: Some("Demo: CFDI 4.0".into()),
        price_basis: None,
    };
    let draft = use_cases
        .create_invoice_draft(&users.accountant(), draft)
        .await?;
    let invoice_id = InvoiceId(draft.aggregate_id.parse()?);
    let item = LineItem {
        description: "Servicios de contabilidad, noviembre".into(),
        quantity: Decimal::ONE,
        unit_price: Decimal::from(15_000),
        discount: None,
        taxes: vec![
            tax("IVA", Decimal::from(16), TaxTreatment::Standard),
            tax("ISR", Decimal::from(10), TaxTreatment::Withholding),
            tax("IVA", Decimal::new(106_667, 4), TaxTreatment::Withholding),
        ],
        price_basis: Default::default(),
        sat: Some(SatLineKeys {
            product_key: "84111500".into(),
            unit_key: "E48".into(),
            tax_object: None,
        }),
    };
    let line = AddInvoiceLine {
        line_id: None,
        item: item.into(),
        tax_rate_keys: Vec::new(),
    };
    use_cases
        .add_invoice_line(&users.accountant(), invoice_id, line)
        .await?;
    let issue = IssueInvoice {
        issue_date: None,
        prepaid: None,
        exchange_rate: None,
    };
    use_cases
        .issue_invoice(&users.accountant(), invoice_id, issue)
        .await?;
    Ok(invoice_id)
}
