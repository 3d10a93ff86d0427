//! `folio demo`: a demo tenant built through the real use cases, so everything it
//! shows went through the same rules, ledger and event store as production traffic.

use anyhow::{anyhow, Context};
use chrono::{Days, Utc};
use folio::wiring::App;
use folio_api::TokenKeys;
use folio_commands::{
    AddInvoiceLine, ApproveExpense, Caller, CommandContext, CreateInvoiceDraft, IssueCreditNote,
    IssueInvoice, RecordPayment, RegisterCustomer, Role, SubmitExpense,
};
use folio_domain::customer::{ContactDetails, TaxDetails};
use folio_domain::expense::{ApprovalThreshold, CategoryLimit, ExpenseDetails, ExpensePolicy};
use folio_domain::ids::{CustomerId, ExpenseId, InvoiceId, TenantId, UserId};
use folio_domain::invoice::{DueTerms, PaymentMethod};
use folio_domain::money::{Currency, Money, RoundingMode};
use folio_domain::pricing::{Discount, LineItem, RoundingPolicy, TaxRoundingScope};
use folio_domain::settings::InvoicingPolicy;
use folio_domain::tax::{TaxRate, TaxTreatment};
use rust_decimal::Decimal;
use uuid::Uuid;

struct Demo {
    tenant_id: TenantId,
    run: Uuid,
    step: std::cell::Cell<u32>,
}

impl Demo {
    /// A context for `actor` with a fresh idempotency key of this demo run. The
    /// operator who runs the demo acts as each user with every right (admin); the
    /// domain's own rules (no self-approval, ...) still apply to the user named.
    fn as_user(&self, actor: &str) -> CommandContext {
        self.step.set(self.step.get() + 1);
        CommandContext::new(
            Caller::new(self.tenant_id, UserId::new(actor), vec![Role::Admin]),
            format!("demo-{}-{}", self.run, self.step.get()),
        )
    }
}

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
    })
}

pub async fn run(backend: &App, keys: &TokenKeys) -> anyhow::Result<()> {
    let demo = Demo {
        tenant_id: TenantId(Uuid::now_v7()),
        run: Uuid::now_v7(),
        step: 0.into(),
    };
    let folio = &backend.use_cases;
    let eur = currency("EUR")?;
    let mxn = currency("MXN")?;

    folio
        .configure_invoicing(
            &demo.as_user("demo-admin"),
            InvoicingPolicy {
                rounding: RoundingPolicy {
                    mode: RoundingMode::HalfUp,
                    scope: TaxRoundingScope::PerLine,
                },
                invoice_series: "A".into(),
                credit_note_series: "CN".into(),
            },
        )
        .await?;
    folio
        .configure_expense_policy(
            &demo.as_user("demo-admin"),
            ExpensePolicy {
                approval_thresholds: vec![
                    ApprovalThreshold {
                        currency: eur,
                        from_amount: dec("0")?,
                        approvals: 1,
                    },
                    ApprovalThreshold {
                        currency: eur,
                        from_amount: dec("1000")?,
                        approvals: 2,
                    },
                ],
                category_limits: vec![CategoryLimit {
                    category: "meals".into(),
                    limit: Money::new(dec("80")?, eur),
                }],
                receipt_required_above: Some(Money::new(dec("25")?, eur)),
            },
        )
        .await?;

    let mut customers = Vec::new();
    for (name, country, code, terms) in [
        ("Acme GmbH", "DE", "EUR", 30),
        ("Globex S.A. de C.V.", "MX", "MXN", 15),
        ("Initech Ltd", "IE", "EUR", 0),
    ] {
        let outcome = folio
            .register_customer(
                &demo.as_user("demo-accountant"),
                RegisterCustomer {
                    customer_id: None,
                    contact: ContactDetails {
                        name: name.into(),
                        email: Some(format!(
                            "billing@{}.example",
                            name.split_whitespace().next().unwrap_or("x").to_lowercase()
                        )),
                        phone: None,
                        address: None,
                    },
                    tax: TaxDetails {
                        tax_id: None,
                        country: country.into(),
                        default_currency: currency(code)?,
                        payment_terms_days: terms,
                    },
                },
            )
            .await?;
        customers.push(CustomerId(outcome.aggregate_id.parse()?));
    }

    let accountant = "demo-accountant";
    let today = Utc::now().date_naive();
    let long_ago = today
        .checked_sub_days(Days::new(60))
        .ok_or_else(|| anyhow!("date out of range"))?;
    let mut summary = Vec::new();

    let plan = |label, customer, issue, issue_date, send, payment, credit, void| InvoicePlan {
        label,
        customer,
        issue,
        issue_date,
        send,
        payment,
        credit,
        void,
    };
    let plans = [
        plan("draft", 0, false, today, false, None, None, false),
        plan("issued", 0, true, today, false, None, None, false),
        plan("sent", 2, true, today, true, None, None, false),
        plan(
            "partially paid",
            0,
            true,
            today,
            true,
            Some("500.00"),
            None,
            false,
        ),
        plan("paid", 2, true, today, true, Some("1190.00"), None, false),
        plan("void", 0, true, today, false, None, None, true),
        plan(
            "credited",
            0,
            true,
            today,
            true,
            None,
            Some("119.00"),
            false,
        ),
        plan(
            "overdue",
            0,
            true,
            long_ago,
            true,
            Some("100.00"),
            None,
            false,
        ),
    ];
    for InvoicePlan {
        label,
        customer,
        issue,
        issue_date,
        send,
        payment,
        credit,
        void,
    } in plans
    {
        let draft = folio
            .create_invoice_draft(
                &demo.as_user(accountant),
                CreateInvoiceDraft {
                    invoice_id: None,
                    customer_id: customers[customer],
                    currency: None,
                    due_terms: None,
                    notes: Some(format!("Demo: {label}")),
                },
            )
            .await?;
        let invoice_id = InvoiceId(draft.aggregate_id.parse()?);
        let mut lines = vec![LineItem {
            description: "Consulting, March".into(),
            quantity: dec("10")?,
            unit_price: dec("100")?,
            discount: None,
            taxes: vec![vat("19")?],
        }];
        if label == "draft" {
            lines.push(LineItem {
                description: "Travel, discounted".into(),
                quantity: dec("1")?,
                unit_price: dec("250.50")?,
                discount: Some(Discount::Percent {
                    percent: dec("10")?,
                }),
                taxes: vec![vat("19")?],
            });
        }
        for item in lines {
            folio
                .add_invoice_line(
                    &demo.as_user(accountant),
                    invoice_id,
                    AddInvoiceLine {
                        line_id: None,
                        item,
                    },
                )
                .await?;
        }
        if issue {
            if label == "overdue" {
                folio
                    .update_invoice_terms(
                        &demo.as_user(accountant),
                        invoice_id,
                        DueTerms::NetDays { days: 30 },
                        Some("Demo: overdue".into()),
                    )
                    .await?;
            }
            folio
                .issue_invoice(
                    &demo.as_user(accountant),
                    invoice_id,
                    IssueInvoice {
                        issue_date: Some(issue_date),
                    },
                )
                .await?;
        }
        if send {
            folio
                .mark_invoice_sent(
                    &demo.as_user(accountant),
                    invoice_id,
                    vec!["ap@customer.example".into()],
                )
                .await?;
        }
        if let Some(amount) = payment {
            folio
                .record_payment(
                    &demo.as_user(accountant),
                    invoice_id,
                    RecordPayment {
                        payment_id: None,
                        amount: Money::new(dec(amount)?, eur),
                        received_on: None,
                        method: PaymentMethod::BankTransfer,
                        reference: Some("SEPA".into()),
                    },
                )
                .await?;
        }
        if let Some(amount) = credit {
            folio
                .issue_credit_note(
                    &demo.as_user(accountant),
                    invoice_id,
                    IssueCreditNote {
                        amount: Money::new(dec(amount)?, eur),
                        issue_date: None,
                        reason: "Goodwill discount".into(),
                    },
                )
                .await?;
        }
        if void {
            folio
                .void_invoice(
                    &demo.as_user(accountant),
                    invoice_id,
                    "Issued to the wrong customer".into(),
                )
                .await?;
        }
        summary.push((label, invoice_id));
    }

    // A peso invoice, so reports have a second currency.
    let peso = folio
        .create_invoice_draft(
            &demo.as_user(accountant),
            CreateInvoiceDraft {
                invoice_id: None,
                customer_id: customers[1],
                currency: Some(mxn),
                due_terms: None,
                notes: None,
            },
        )
        .await?;
    let peso_id = InvoiceId(peso.aggregate_id.parse()?);
    let fees = LineItem {
        description: "Honorarios".into(),
        quantity: dec("1")?,
        unit_price: dec("10000")?,
        discount: None,
        taxes: vec![
            TaxRate {
                code: "IVA".into(),
                percent: dec("16")?,
                treatment: TaxTreatment::Standard,
            },
            TaxRate {
                code: "ISR-RET".into(),
                percent: dec("10")?,
                treatment: TaxTreatment::Withholding,
            },
        ],
    };
    folio
        .add_invoice_line(
            &demo.as_user(accountant),
            peso_id,
            AddInvoiceLine {
                line_id: None,
                item: fees,
            },
        )
        .await?;
    folio
        .issue_invoice(&demo.as_user(accountant), peso_id, IssueInvoice::default())
        .await?;
    summary.push(("issued (MXN, with withholding)", peso_id));

    // Expenses in every state.
    let employee = "demo-employee";
    let mut expenses = Vec::new();
    for (label, merchant, category, amount) in [
        ("pending", "Deutsche Bahn", "travel", "89.90"),
        ("approved", "Hotel Adlon", "lodging", "240.00"),
        ("reimbursed", "Lufthansa", "travel", "1450.00"),
        ("rejected", "Steakhouse", "meals", "120.00"),
        ("returned", "Office Depot", "supplies", "35.00"),
    ] {
        let outcome = folio
            .submit_expense(
                &demo.as_user(employee),
                SubmitExpense {
                    expense_id: None,
                    details: ExpenseDetails {
                        incurred_on: today,
                        merchant: merchant.into(),
                        category: category.into(),
                        amount: Money::new(dec(amount)?, eur),
                        tax: None,
                        description: format!("Demo expense: {label}"),
                        receipt_ref: (label != "returned").then(|| format!("receipt-{label}")),
                    },
                },
            )
            .await?;
        let id = ExpenseId(outcome.aggregate_id.parse()?);
        match label {
            "approved" => {
                folio
                    .approve_expense(
                        &demo.as_user("demo-approver-1"),
                        id,
                        ApproveExpense { comment: None },
                    )
                    .await?;
            }
            "reimbursed" => {
                folio
                    .approve_expense(
                        &demo.as_user("demo-approver-1"),
                        id,
                        ApproveExpense {
                            comment: Some("OK".into()),
                        },
                    )
                    .await?;
                folio
                    .approve_expense(
                        &demo.as_user("demo-approver-2"),
                        id,
                        ApproveExpense { comment: None },
                    )
                    .await?;
                folio
                    .reimburse_expense(
                        &demo.as_user("demo-accountant"),
                        id,
                        "BATCH-DEMO-1".into(),
                        None,
                    )
                    .await?;
            }
            "rejected" => {
                folio
                    .reject_expense(
                        &demo.as_user("demo-approver-1"),
                        id,
                        "Over the meals limit".into(),
                    )
                    .await?;
            }
            "returned" => {
                folio
                    .return_expense(
                        &demo.as_user("demo-approver-1"),
                        id,
                        "Please attach the receipt".into(),
                    )
                    .await?;
            }
            _ => {}
        }
        expenses.push((label, id));
    }

    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE tenant_id = $1")
        .bind(demo.tenant_id.0)
        .fetch_one(&backend.pool)
        .await?;
    // Bring the read models up to date so BI tools and `psql` see the demo at once.
    backend.projections().catch_up().await?;
    let mut out = String::new();
    out.push_str(&format!("Demo tenant {}\n", demo.tenant_id));
    out.push_str(&format!(
        "  {} customers, {} invoices, {} expenses, {} events\n",
        customers.len(),
        summary.len(),
        expenses.len(),
        events
    ));
    out.push_str("  invoices:\n");
    for (label, id) in &summary {
        out.push_str(&format!("    {id}  {label}\n"));
    }
    out.push_str("  expenses:\n");
    for (label, id) in &expenses {
        out.push_str(&format!("    {id}  {label}\n"));
    }
    out.push_str(&format!(
        "  see the history with: folio events --tenant {} --limit 200\n",
        demo.tenant_id
    ));
    out.push_str(
        "  read models are up to date: psql -c 'SELECT * FROM folio_read.invoice_overview'\n",
    );
    out.push_str(
        "  tokens for the demo users (12 h; `folio serve`, then Authorization: Bearer <token>):\n",
    );
    for (label, subject, role) in [
        ("admin", "demo-admin", Role::Admin),
        ("accountant", "demo-accountant", Role::Accountant),
        ("approver", "demo-approver-1", Role::Approver),
        ("employee", "demo-employee", Role::Employee),
        ("auditor", "demo-auditor", Role::Auditor),
    ] {
        let token = keys.mint(
            demo.tenant_id,
            subject,
            &[role],
            chrono::Duration::hours(12),
        )?;
        out.push_str(&format!("    {label:<10} {subject:<16} {token}\n"));
    }
    print_summary(&out);
    Ok(())
}

#[allow(clippy::print_stdout)]
fn print_summary(text: &str) {
    print!("{text}");
}
