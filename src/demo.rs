//! `folio demo`: a demo tenant built through the real use cases, so everything it
//! shows went through the same rules, ledger and event store as production traffic.

use anyhow::{anyhow, Context};
use chrono::{Days, Utc};
use folio::wiring::App;
use folio_api::TokenKeys;
use folio_commands::{
    AddInvoiceLine, ApproveExpense, Caller, CommandContext, CreateInvoiceDraft, IssueCreditNote,
    IssueInvoice, RecordExchangeRate, RecordPayment, RegisterCustomer, Role, SubmitExpense,
    UseCases, VoidInvoice,
};
use folio_domain::customer::{ContactDetails, TaxDetails};
use folio_domain::expense::{ApprovalThreshold, CategoryLimit, ExpenseDetails, ExpensePolicy};
use folio_domain::ids::{CustomerId, ExpenseId, InvoiceId, TenantId, UserId};
use folio_domain::invoice::{CreditRequest, DueTerms, PaymentMethod, TaxSelector};
use folio_domain::money::{Currency, Money, RoundingMode};
use folio_domain::pricing::{Discount, LineItem, RoundingPolicy, TaxRoundingScope};
use folio_domain::settings::InvoicingPolicy;
use folio_domain::tax::{TaxRate, TaxTreatment, VatCategory};
use folio_domain::tax_catalogue::CatalogueRate;
use rust_decimal::Decimal;
use uuid::Uuid;

/// One demo invoice: which customer, and how far through its life it goes.
struct InvoicePlan {
    label: &'static str,
    customer: usize,
    issue: bool,
    issue_date: chrono::NaiveDate,
    send: bool,
    payment: Option<&'static str>,
    credit: Option<&'static str>,
    void: bool,
}

fn currency(code: &str) -> anyhow::Result<Currency> {
    Currency::from_code(code).map_err(|e| anyhow!(e))
}

fn dec(text: &str) -> anyhow::Result<Decimal> {
    text.parse().with_context(|| format!("bad decimal {text}"))
}

fn vat(percent: &str) -> anyhow::Result<TaxRate> {
    Ok(TaxRate {
        code: "VAT".into(),
        percent: dec(percent)?,
        treatment: TaxTreatment::Standard,
        category: None,
        exemption: None,
    })
}

struct Demo<'a> {
    use_cases: &'a UseCases,
    tenant_id: TenantId,
    run: Uuid,
    step: std::cell::Cell<u32>,
    eur: Currency,
}

/// The demo's users: who they are and the one role each holds.
const ADMIN: (&str, Role) = ("demo-admin", Role::Admin);
const ACCOUNTANT: (&str, Role) = ("demo-accountant", Role::Accountant);
const APPROVER: (&str, Role) = ("demo-approver-1", Role::Approver);
const SECOND_APPROVER: (&str, Role) = ("demo-approver-2", Role::Approver);
const EMPLOYEE: (&str, Role) = ("demo-employee", Role::Employee);
const AUDITOR: (&str, Role) = ("demo-auditor", Role::Auditor);

impl Demo<'_> {
    /// A context for one of the demo's users with a fresh idempotency key of this
    /// run: each acts with their own role, so the demo goes through the same access
    /// rules as the API.
    fn as_user(&self, (user, role): (&str, Role)) -> CommandContext {
        self.step.set(self.step.get() + 1);
        CommandContext::new(
            Caller::new(self.tenant_id, UserId::new(user), vec![role]),
            format!("demo-{}-{}", self.run, self.step.get()),
        )
    }

    /// Rounding half-up per line in series `A`; one approval for expenses, two from
    /// 1,000 EUR, a meals limit and receipts above 25 EUR; German VAT rates in
    /// the catalogue; books kept in EUR.
    async fn configure_policies(&self) -> anyhow::Result<()> {
        let invoicing = InvoicingPolicy {
            rounding: RoundingPolicy {
                mode: RoundingMode::HalfUp,
                scope: TaxRoundingScope::PerLine,
            },
            invoice_series: "A".into(),
            credit_note_series: "CN".into(),
            payment_complement_series: "P".into(),
        };
        self.use_cases
            .configure_invoicing(&self.as_user(ADMIN), invoicing)
            .await?;
        let threshold = |from: &str, approvals| -> anyhow::Result<ApprovalThreshold> {
            Ok(ApprovalThreshold {
                currency: self.eur,
                from_amount: dec(from)?,
                approvals,
            })
        };
        let expenses = ExpensePolicy {
            approval_thresholds: vec![threshold("0", 1)?, threshold("1000", 2)?],
            category_limits: vec![CategoryLimit {
                category: "meals".into(),
                limit: Money::new(dec("80")?, self.eur),
            }],
            receipt_required_above: Some(Money::new(dec("25")?, self.eur)),
        };
        self.use_cases
            .configure_expense_policy(&self.as_user(ADMIN), expenses)
            .await?;
        self.use_cases
            .configure_tax_rates(&self.as_user(ADMIN), tax_rates()?)
            .await?;
        self.use_cases
            .configure_accounting_currency(&self.as_user(ADMIN), self.eur)
            .await?;
        Ok(())
    }

    /// A German, a Mexican and an Irish customer.
    async fn register_customers(&self) -> anyhow::Result<Vec<CustomerId>> {
        let mut customers = Vec::new();
        for (name, country, code, terms) in [
            ("Acme GmbH", "DE", "EUR", 30),
            ("Globex S.A. de C.V.", "MX", "MXN", 15),
            ("Initech Ltd", "IE", "EUR", 0),
        ] {
            let domain = name.split_whitespace().next().unwrap_or("x").to_lowercase();
            let input = RegisterCustomer {
                customer_id: None,
                contact: ContactDetails {
                    name: name.into(),
                    email: Some(format!("billing@{domain}.example")),
                    phone: None,
                    address: None,
                },
                tax: TaxDetails {
                    tax_id: None,
                    country: country.into(),
                    default_currency: currency(code)?,
                    payment_terms_days: terms,
                    sat: None,
                },
            };
            let outcome = self
                .use_cases
                .register_customer(&self.as_user(ACCOUNTANT), input)
                .await?;
            customers.push(CustomerId(outcome.aggregate_id.parse()?));
        }
        Ok(customers)
    }

    /// A draft with its lines (two on the plain draft, to show a discount).
    async fn draft(&self, plan: &InvoicePlan, customer: CustomerId) -> anyhow::Result<InvoiceId> {
        let input = CreateInvoiceDraft {
            invoice_id: None,
            customer_id: customer,
            currency: None,
            due_terms: None,
            notes: Some(format!("Demo: {}", plan.label)),
            price_basis: None,
        };
        let draft = self
            .use_cases
            .create_invoice_draft(&self.as_user(ACCOUNTANT), input)
            .await?;
        let invoice_id = InvoiceId(draft.aggregate_id.parse()?);
        let mut lines = vec![LineItem {
            description: "Consulting, March".into(),
            quantity: dec("10")?,
            unit_price: dec("100")?,
            discount: None,
            taxes: vec![vat("19")?],
            price_basis: Default::default(),
            sat: None,
        }];
        if plan.label == "draft" {
            lines.push(LineItem {
                description: "Travel, discounted".into(),
                quantity: dec("1")?,
                unit_price: dec("250.50")?,
                discount: Some(Discount::Percent {
                    percent: dec("10")?,
                }),
                taxes: vec![vat("19")?],
                price_basis: Default::default(),
                sat: None,
            });
        }
        for item in lines {
            let line = AddInvoiceLine {
                line_id: None,
                item: item.into(),
                tax_rate_keys: Vec::new(),
            };
            self.use_cases
                .add_invoice_line(&self.as_user(ACCOUNTANT), invoice_id, line)
                .await?;
        }
        Ok(invoice_id)
    }

    /// One invoice taken as far through its life as `plan` says.
    async fn invoice(&self, plan: &InvoicePlan, customer: CustomerId) -> anyhow::Result<InvoiceId> {
        let invoice_id = self.draft(plan, customer).await?;
        let use_cases = self.use_cases;
        if plan.issue {
            if plan.label == "overdue" {
                let terms = DueTerms::NetDays { days: 30 };
                let notes = Some("Demo: overdue".into());
                use_cases
                    .update_invoice_terms(&self.as_user(ACCOUNTANT), invoice_id, terms, notes)
                    .await?;
            }
            let issue = IssueInvoice {
                issue_date: Some(plan.issue_date),
                prepaid: None,
                exchange_rate: None,
            };
            use_cases
                .issue_invoice(&self.as_user(ACCOUNTANT), invoice_id, issue)
                .await?;
        }
        if plan.send {
            let recipients = vec!["ap@customer.example".into()];
            use_cases
                .mark_invoice_sent(
                    &self.as_user(ACCOUNTANT),
                    invoice_id,
                    recipients,
                    folio_domain::invoice::Delivery::Recorded,
                )
                .await?;
        }
        if let Some(amount) = plan.payment {
            let payment = RecordPayment {
                payment_id: None,
                amount: Money::new(dec(amount)?, self.eur),
                received_on: None,
                method: PaymentMethod::BankTransfer,
                reference: Some("SEPA".into()),
                exchange_rate: None,
            };
            use_cases
                .record_payment(&self.as_user(ACCOUNTANT), invoice_id, payment)
                .await?;
        }
        if let Some(amount) = plan.credit {
            let credit = IssueCreditNote {
                credit: CreditRequest::Amount {
                    amount: Money::new(dec(amount)?, self.eur),
                    tax: Some(TaxSelector {
                        code: "VAT".into(),
                        percent: Decimal::from(19),
                        category: None,
                    }),
                },
                issue_date: None,
                reason: "Goodwill discount".into(),
            };
            use_cases
                .issue_credit_note(&self.as_user(ACCOUNTANT), invoice_id, credit)
                .await?;
        }
        if plan.void {
            let input = VoidInvoice {
                reason: "Issued to the wrong customer".into(),
                sat_cancellation: None,
            };
            use_cases
                .void_invoice(&self.as_user(ACCOUNTANT), invoice_id, input)
                .await?;
        }
        Ok(invoice_id)
    }

    /// A peso invoice with IVA and an ISR withholding, so reports have a second
    /// currency.
    async fn peso_invoice(&self, customer: CustomerId) -> anyhow::Result<InvoiceId> {
        let input = CreateInvoiceDraft {
            invoice_id: None,
            customer_id: customer,
            currency: Some(currency("MXN")?),
            due_terms: None,
            notes: None,
            price_basis: None,
        };
        let peso = self
            .use_cases
            .create_invoice_draft(&self.as_user(ACCOUNTANT), input)
            .await?;
        let peso_id = InvoiceId(peso.aggregate_id.parse()?);
        let tax = |code: &str, percent: &str, treatment| -> anyhow::Result<TaxRate> {
            Ok(TaxRate {
                code: code.into(),
                percent: dec(percent)?,
                treatment,
                category: None,
                exemption: None,
            })
        };
        let fees = LineItem {
            description: "Honorarios".into(),
            quantity: dec("1")?,
            unit_price: dec("10000")?,
            discount: None,
            taxes: vec![
                tax("IVA", "16", TaxTreatment::Standard)?,
                tax("ISR-RET", "10", TaxTreatment::Withholding)?,
            ],
            price_basis: Default::default(),
            sat: None,
        };
        let line = AddInvoiceLine {
            line_id: None,
            item: fees.into(),
            tax_rate_keys: Vec::new(),
        };
        self.use_cases
            .add_invoice_line(&self.as_user(ACCOUNTANT), peso_id, line)
            .await?;
        // Books are kept in EUR: the day's rate goes into the table first.
        let rate = RecordExchangeRate {
            from: currency("MXN")?,
            to: self.eur,
            date: Utc::now().date_naive(),
            rate: dec("0.0498")?,
            source: Some("Demo: ECB reference rate".into()),
        };
        self.use_cases
            .record_exchange_rate(&self.as_user(ACCOUNTANT), rate)
            .await?;
        self.use_cases
            .issue_invoice(&self.as_user(ACCOUNTANT), peso_id, IssueInvoice::default())
            .await?;
        Ok(peso_id)
    }

    /// `approver`'s approval of expense `id`.
    async fn approve(
        &self,
        approver: (&str, Role),
        id: ExpenseId,
        comment: Option<&str>,
    ) -> anyhow::Result<()> {
        let input = ApproveExpense {
            comment: comment.map(str::to_owned),
        };
        self.use_cases
            .approve_expense(&self.as_user(approver), id, input)
            .await?;
        Ok(())
    }

    /// One expense of the employee's, taken to the state `label` names.
    async fn expense(
        &self,
        label: &str,
        merchant: &str,
        category: &str,
        amount: &str,
    ) -> anyhow::Result<ExpenseId> {
        let details = ExpenseDetails {
            incurred_on: Utc::now().date_naive(),
            merchant: merchant.into(),
            category: category.into(),
            amount: Money::new(dec(amount)?, self.eur),
            tax: None,
            description: format!("Demo expense: {label}"),
            receipt_ref: (label != "returned").then(|| format!("receipt-{label}")),
            exchange_rate: None,
        };
        let input = SubmitExpense {
            expense_id: None,
            details,
        };
        let outcome = self
            .use_cases
            .submit_expense(&self.as_user(EMPLOYEE), input)
            .await?;
        let id = ExpenseId(outcome.aggregate_id.parse()?);
        match label {
            "approved" => self.approve(APPROVER, id, None).await?,
            "reimbursed" => {
                self.approve(APPROVER, id, Some("OK")).await?;
                self.approve(SECOND_APPROVER, id, None).await?;
                let batch = "BATCH-DEMO-1".into();
                self.use_cases
                    .reimburse_expense(&self.as_user(ACCOUNTANT), id, batch, None)
                    .await?;
            }
            "rejected" => {
                let reason = "Over the meals limit".into();
                self.use_cases
                    .reject_expense(&self.as_user(APPROVER), id, reason)
                    .await?;
            }
            "returned" => {
                let reason = "Please attach the receipt".into();
                self.use_cases
                    .return_expense(&self.as_user(APPROVER), id, reason)
                    .await?;
            }
            _ => {}
        }
        Ok(id)
    }
}

/// Every document state the demo shows, in the order it creates them.
/// The rates the demo tenant's lines pick from: German VAT.
fn tax_rates() -> anyhow::Result<Vec<CatalogueRate>> {
    let rate = |key: &str, name: &str, percent: &str| -> anyhow::Result<CatalogueRate> {
        let mut tax = vat(percent)?;
        tax.category = Some(VatCategory::Standard);
        Ok(CatalogueRate {
            key: key.into(),
            name: name.into(),
            tax,
        })
    };
    Ok(vec![
        rate("vat-19", "VAT 19% (standard)", "19")?,
        rate("vat-7", "VAT 7% (reduced)", "7")?,
    ])
}

fn invoice_plans() -> anyhow::Result<Vec<InvoicePlan>> {
    let today = Utc::now().date_naive();
    let long_ago = today
        .checked_sub_days(Days::new(60))
        .ok_or_else(|| anyhow!("date out of range"))?;
    let plan = |label, customer, issue_date, issue, send, payment, credit, void| InvoicePlan {
        label,
        customer,
        issue,
        issue_date,
        send,
        payment,
        credit,
        void,
    };
    // Numbering is chronological: the back-dated invoice is issued first.
    Ok(vec![
        plan(
            "overdue",
            0,
            long_ago,
            true,
            true,
            Some("100.00"),
            None,
            false,
        ),
        plan("draft", 0, today, false, false, None, None, false),
        plan("issued", 0, today, true, false, None, None, false),
        plan("sent", 2, today, true, true, None, None, false),
        plan(
            "partially paid",
            0,
            today,
            true,
            true,
            Some("500.00"),
            None,
            false,
        ),
        plan("paid", 2, today, true, true, Some("1190.00"), None, false),
        plan("void", 0, today, true, false, None, None, true),
        plan(
            "credited",
            0,
            today,
            true,
            true,
            None,
            Some("119.00"),
            false,
        ),
    ])
}

/// Builds the demo tenant through the use cases, brings the read models up to
/// date, and prints what was made with a token for each demo user and a `psql`
/// command that reads the demo at `database_url` (as `config::psql_url` gives it).
pub async fn run(app: &App, keys: &TokenKeys, database_url: &str) -> anyhow::Result<()> {
    let demo = Demo {
        use_cases: &app.use_cases,
        tenant_id: TenantId(Uuid::now_v7()),
        run: Uuid::now_v7(),
        step: 0.into(),
        eur: currency("EUR")?,
    };
    demo.configure_policies().await?;
    let customers = demo.register_customers().await?;
    let mut invoices = Vec::new();
    for plan in invoice_plans()? {
        let id = demo.invoice(&plan, customers[plan.customer]).await?;
        invoices.push((plan.label, id));
    }
    let peso = demo.peso_invoice(customers[1]).await?;
    invoices.push(("issued (MXN, with withholding)", peso));
    let mut expenses = Vec::new();
    for (label, merchant, category, amount) in [
        ("pending", "Deutsche Bahn", "travel", "89.90"),
        ("approved", "Hotel Adlon", "lodging", "240.00"),
        ("reimbursed", "Lufthansa", "travel", "1450.00"),
        ("rejected", "Steakhouse", "meals", "120.00"),
        ("returned", "Office Depot", "supplies", "35.00"),
    ] {
        expenses.push((
            label,
            demo.expense(label, merchant, category, amount).await?,
        ));
    }
    let mexico = crate::demo_mexico::run(app, demo.run).await?;
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE tenant_id = $1")
        .bind(demo.tenant_id.0)
        .fetch_one(&app.pool)
        .await?;
    // Bring the read models up to date so BI tools and `psql` see the demo at once.
    app.projections().catch_up().await?;
    let made = Made {
        tenant_id: demo.tenant_id,
        customers: customers.len(),
        invoices,
        expenses,
        events,
        mexico,
    };
    print_summary(&made.summary(keys, database_url)?);
    Ok(())
}

/// What the demo made, for its summary.
struct Made {
    tenant_id: TenantId,
    customers: usize,
    invoices: Vec<(&'static str, InvoiceId)>,
    expenses: Vec<(&'static str, ExpenseId)>,
    events: i64,
    mexico: crate::demo_mexico::MexicanDemo,
}

impl Made {
    /// The summary: counts, ids by state, where to look, and a token per user.
    fn summary(&self, keys: &TokenKeys, database_url: &str) -> anyhow::Result<String> {
        let tenant = self.tenant_id;
        let mut out = format!(
            "Demo tenant {tenant}\n  {} customers, {} invoices, {} expenses, {} events\n",
            self.customers,
            self.invoices.len(),
            self.expenses.len(),
            self.events
        );
        out.push_str("  invoices:\n");
        for (label, id) in &self.invoices {
            out.push_str(&format!("    {id}  {label}\n"));
        }
        out.push_str("  expenses:\n");
        for (label, id) in &self.expenses {
            out.push_str(&format!("    {id}  {label}\n"));
        }
        out.push_str(&format!(
            "  see the history with: folio events --tenant {tenant} --limit 200\n"
        ));
        out.push_str(&format!(
            "  read models are up to date: psql '{database_url}' -c 'SELECT * FROM folio_read.invoice_overview'\n"
        ));
        out.push_str(
            "  tokens for the demo users (12 h; `folio serve`, then Authorization: Bearer <token>):\n",
        );
        for (label, (subject, role)) in [
            ("admin", ADMIN),
            ("accountant", ACCOUNTANT),
            ("approver", APPROVER),
            ("employee", EMPLOYEE),
            ("auditor", AUDITOR),
        ] {
            let token = keys.mint(tenant, subject, &[role], chrono::Duration::hours(12))?;
            out.push_str(&format!("    {label:<10} {subject:<16} {token}\n"));
        }
        let (mexican, invoice) = (self.mexico.tenant_id, self.mexico.invoice_id);
        out.push_str(&format!(
            "Mexican demo tenant {mexican} (MX, SAT's test CSD installed)\n    {invoice}  issued under MX\n  seal its CFDI 4.0 with: folio documents render --tenant {mexican} --invoice {invoice} --format cfdi\n  have it stamped: folio pac-simulator --sat-schemas DIR (SAT's files from PyPI satcfdi), then folio serve with FOLIO_PAC_URL=http://127.0.0.1:8095 FOLIO_PAC_USER=folio FOLIO_PAC_PASSWORD=simulator\n"
        ));
        Ok(out)
    }
}

#[allow(clippy::print_stdout)]
fn print_summary(text: &str) {
    print!("{text}");
}
