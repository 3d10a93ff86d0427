//! The business the benchmarks run: tenants with customers, issued invoices with
//! lines and payments, and expenses with approvals, all through Folio's commands.

use std::sync::Arc;

use anyhow::Context;
use folio::wiring::App;
use folio_commands::{
    AddInvoiceLine, ApproveExpense, Caller, CommandContext, CreateInvoiceDraft, IssueInvoice,
    RecordPayment, RegisterCustomer, Role, SubmitExpense,
};
use folio_domain::customer::{ContactDetails, TaxDetails};
use folio_domain::expense::ExpenseDetails;
use folio_domain::ids::{CustomerId, ExpenseId, InvoiceId, TenantId, UserId};
use folio_domain::invoice::PaymentMethod;
use folio_domain::money::{Currency, Money};
use folio_domain::pricing::LineItem;
use folio_domain::tax::{TaxRate, TaxTreatment};
use rust_decimal::Decimal;
use uuid::Uuid;

/// A context for `actor` in `tenant` with a fresh idempotency key.
pub fn ctx(tenant: TenantId, actor: &str) -> CommandContext {
    let caller = Caller::new(tenant, UserId::new(actor), vec![Role::Admin]);
    CommandContext::new(caller, Uuid::new_v4().to_string())
}

fn eur() -> Currency {
    Currency::from_code("EUR").expect("EUR is ISO 4217")
}

/// `cents` euro cents.
pub fn euros(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), eur())
}

/// A new tenant id.
pub fn new_tenant() -> TenantId {
    TenantId(Uuid::now_v7())
}

/// Registers a customer.
pub async fn customer(backend: &App, tenant: TenantId, name: &str) -> anyhow::Result<CustomerId> {
    let input = RegisterCustomer {
        customer_id: None,
        contact: ContactDetails {
            name: name.into(),
            email: Some("ap@customer.example".into()),
            phone: None,
            address: Some("Hauptstrasse 1, Berlin".into()),
        },
        tax: TaxDetails {
            tax_id: Some("DE136695976".into()),
            country: "DE".into(),
            default_currency: eur(),
            payment_terms_days: 30,
            sat: None,
        },
    };
    let outcome = backend
        .use_cases
        .register_customer(&ctx(tenant, "acc"), input)
        .await?;
    outcome.aggregate_id.parse().context("customer id")
}

/// Replaces a customer's contact details with the `n`th version of them: one event.
pub async fn update_contact(
    backend: &App,
    tenant: TenantId,
    customer: CustomerId,
    n: usize,
) -> anyhow::Result<()> {
    let contact = ContactDetails {
        name: format!("Customer, contact version {n}"),
        email: Some("ap@customer.example".into()),
        phone: None,
        address: Some("Hauptstrasse 1, Berlin".into()),
    };
    backend
        .use_cases
        .update_customer_contact(&ctx(tenant, "acc"), customer, contact)
        .await?;
    Ok(())
}

/// Drafts an invoice with `lines` lines of `unit_cents` (19% VAT) and issues it:
/// `lines + 2` events.
pub async fn issued_invoice(
    backend: &App,
    tenant: TenantId,
    customer: CustomerId,
    lines: usize,
    unit_cents: i64,
) -> anyhow::Result<InvoiceId> {
    let folio = &backend.use_cases;
    let draft = CreateInvoiceDraft {
        invoice_id: None,
        customer_id: customer,
        currency: None,
        due_terms: None,
        notes: None,
        price_basis: None,
    };
    let invoice: InvoiceId = folio
        .create_invoice_draft(&ctx(tenant, "acc"), draft)
        .await?
        .aggregate_id
        .parse()
        .context("invoice id")?;
    for n in 0..lines {
        let item = LineItem {
            description: format!("Consulting, part {n}"),
            quantity: Decimal::from(1 + n as i64 % 5),
            unit_price: Decimal::new(unit_cents, 2),
            discount: None,
            taxes: vec![TaxRate {
                code: "VAT".into(),
                percent: Decimal::from(19),
                treatment: TaxTreatment::Standard,
                category: None,
                exemption: None,
            }],
            price_basis: Default::default(),
            sat: None,
        };
        let line = AddInvoiceLine {
            line_id: None,
            item: item.into(),
            tax_rate_keys: Vec::new(),
        };
        folio
            .add_invoice_line(&ctx(tenant, "acc"), invoice, line)
            .await?;
    }
    folio
        .issue_invoice(&ctx(tenant, "acc"), invoice, IssueInvoice::default())
        .await?;
    Ok(invoice)
}

/// Records a payment of `cents`; returns the feed position of its event.
pub async fn pay(
    backend: &App,
    tenant: TenantId,
    invoice: InvoiceId,
    cents: i64,
) -> anyhow::Result<i64> {
    let payment = RecordPayment {
        payment_id: None,
        amount: euros(cents),
        received_on: None,
        method: PaymentMethod::BankTransfer,
        reference: Some("bank transfer".into()),
        exchange_rate: None,
    };
    let (outcome, _) = backend
        .use_cases
        .record_payment(&ctx(tenant, "acc"), invoice, payment)
        .await?;
    outcome.position.context("a payment writes an event")
}

/// Submits an expense of `cents` for `employee`; returns its id and feed position.
pub async fn submit_expense(
    backend: &App,
    tenant: TenantId,
    employee: &str,
    cents: i64,
) -> anyhow::Result<(ExpenseId, i64)> {
    let details = ExpenseDetails {
        // Recent, as the domain requires (neither future nor a year old).
        incurred_on: chrono::Utc::now().date_naive() - chrono::Days::new(10),
        merchant: "Deutsche Bahn".into(),
        category: "travel".into(),
        amount: euros(cents),
        tax: Some(euros(cents / 10)),
        description: "Train to the customer".into(),
        receipt_ref: Some("receipt-1".into()),
        exchange_rate: None,
    };
    let outcome = backend
        .use_cases
        .submit_expense(
            &ctx(tenant, employee),
            SubmitExpense {
                expense_id: None,
                details,
            },
        )
        .await?;
    let position = outcome.position.context("a submission writes an event")?;
    Ok((
        outcome.aggregate_id.parse().context("expense id")?,
        position,
    ))
}

/// Approves an expense as `approver`.
pub async fn approve(
    backend: &App,
    tenant: TenantId,
    expense: ExpenseId,
    approver: &str,
) -> anyhow::Result<()> {
    backend
        .use_cases
        .approve_expense(
            &ctx(tenant, approver),
            expense,
            ApproveExpense { comment: None },
        )
        .await?;
    Ok(())
}

/// A tenant with customers, ready for invoices.
#[derive(Debug, Clone)]
pub struct Books {
    /// The tenant the benchmark writes in.
    pub tenant: TenantId,
    /// Its customers.
    pub customers: Vec<CustomerId>,
}

impl Books {
    /// A new tenant with `customers` customers.
    pub async fn open(backend: &App, customers: usize) -> anyhow::Result<Self> {
        let tenant = new_tenant();
        let mut ids = Vec::with_capacity(customers);
        for n in 0..customers {
            ids.push(customer(backend, tenant, &format!("Customer {n}")).await?);
        }
        Ok(Books {
            tenant,
            customers: ids,
        })
    }
}

/// Fills the store with at least `events` more events, from `workers` concurrent
/// writers: each round is an invoice with 3 lines, issued and paid in 2 parts
/// (7 events), and 2 expenses, each approved (4 events).
pub async fn backlog(backend: &Arc<App>, events: u64, workers: usize) -> anyhow::Result<()> {
    let start: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&backend.pool)
        .await?;
    let target = start as u64 + events;
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..workers {
        let backend = backend.clone();
        tasks.spawn(async move {
            let books = Books::open(&backend, 5).await?;
            let mut round = 0usize;
            loop {
                let written: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
                    .fetch_one(&backend.pool)
                    .await?;
                if written as u64 >= target {
                    return anyhow::Ok(());
                }
                for _ in 0..10 {
                    let customer = books.customers[round % books.customers.len()];
                    let invoice =
                        issued_invoice(&backend, books.tenant, customer, 3, 12_500).await?;
                    pay(&backend, books.tenant, invoice, 10_000).await?;
                    pay(&backend, books.tenant, invoice, 5_000).await?;
                    for employee in ["employee-1", "employee-2"] {
                        let (expense, _) =
                            submit_expense(&backend, books.tenant, employee, 4_250 + worker as i64)
                                .await?;
                        approve(&backend, books.tenant, expense, "approver").await?;
                    }
                    round += 1;
                }
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined??;
    }
    Ok(())
}
