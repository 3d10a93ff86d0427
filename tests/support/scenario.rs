//! Commands that produce every event type of invoices, customers, expenses and
//! the directory, for tests that compare read models.

use chrono::NaiveDate;
use folio::wiring::App;
use folio_commands::{
    AddInvoiceLine, ApplyCustomerCredit, ApproveExpense, BlobAddress, Caller, CreateInvoiceDraft,
    DisputeInvoice, InviteUser, IssueCreditNote, IssueInvoice, RecordExchangeRate, RecordPayment,
    RefundPayment, RegisterWebhookEndpoint, Reminded, ReminderCandidate, ResolveInvoiceDispute,
    Role, StatedRate, SubmitExpense, UpdateUser, UpdateWebhookEndpoint,
};
use folio_domain::customer::{ContactDetails, TaxDetails};
use folio_domain::directory::{ApprovalRouting, DirectoryPolicy, Enrollment};
use folio_domain::dunning::{DunningPolicy, DunningStep};
use folio_domain::expense::{ApprovalThreshold, CategoryLimit, ExpenseDetails, ExpensePolicy};
use folio_domain::ids::{
    CreditNoteId, CustomerId, ExpenseId, InvoiceId, PaymentId, TenantId, UserId, WebhookEndpointId,
};
use folio_domain::invoice::{
    ArchivedFile, ArchivedFormat, CfdiCancellationReceipt, CfdiCancellationRefusal, CfdiFile,
    CfdiRejection, CfdiSeal, CfdiStamp, CreditRequest, DocumentOfInvoice, DueTerms, LineCredit,
    PaymentMethod, SatCancellationReason, StampStep, TaxSelector,
};
use folio_domain::legal_profile::{BankAccount, LegalProfile, PostalAddress};
use folio_domain::money::{Currency, Money};
use folio_domain::pricing::{Discount, LineItem};
use folio_domain::sat::{SatIssuer, SatLineKeys, SatReceiver};
use folio_domain::settings::Jurisdiction;
use folio_domain::tax::{TaxRate, TaxTreatment};
use rust_decimal::Decimal;

use super::{ctx, customer_input};

pub fn eur() -> Currency {
    Currency::from_code("EUR").expect("EUR")
}

pub fn money(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), eur())
}

/// 19% VAT, standard.
pub fn vat19() -> TaxRate {
    TaxRate {
        code: "VAT".into(),
        percent: Decimal::from(19),
        treatment: TaxTreatment::Standard,
        category: None,
        exemption: None,
    }
}

fn vat7() -> TaxRate {
    TaxRate {
        code: "VAT".into(),
        percent: Decimal::from(7),
        treatment: TaxTreatment::Standard,
        category: None,
        exemption: None,
    }
}

/// A line of `quantity` × `unit_cents` with the given taxes.
pub fn line(description: &str, quantity: i64, unit_cents: i64, taxes: Vec<TaxRate>) -> LineItem {
    LineItem {
        description: description.into(),
        quantity: Decimal::from(quantity),
        unit_price: Decimal::new(unit_cents, 2),
        discount: None,
        taxes,
        price_basis: Default::default(),
        sat: None,
    }
}

pub async fn customer(backend: &App, tenant: TenantId, name: &str) -> CustomerId {
    let mut input = customer_input();
    input.contact.name = name.into();
    let outcome = backend
        .use_cases
        .register_customer(&ctx(tenant, "acc"), input)
        .await
        .expect("register customer");
    outcome.aggregate_id.parse().expect("customer id")
}

pub async fn draft(backend: &App, tenant: TenantId, customer: CustomerId) -> InvoiceId {
    draft_in(backend, tenant, customer, None).await
}

/// A draft in `currency` (the customer's default when none).
pub async fn draft_in(
    backend: &App,
    tenant: TenantId,
    customer: CustomerId,
    currency: Option<Currency>,
) -> InvoiceId {
    let outcome = backend
        .use_cases
        .create_invoice_draft(
            &ctx(tenant, "acc"),
            CreateInvoiceDraft {
                invoice_id: None,
                customer_id: customer,
                currency,
                due_terms: None,
                notes: Some("Thank you".into()),
                price_basis: None,
            },
        )
        .await
        .expect("draft");
    outcome.aggregate_id.parse().expect("invoice id")
}

pub async fn add_line(
    backend: &App,
    tenant: TenantId,
    invoice: InvoiceId,
    item: LineItem,
) -> folio_domain::ids::LineId {
    let (_, line_id) = backend
        .use_cases
        .add_invoice_line(
            &ctx(tenant, "acc"),
            invoice,
            AddInvoiceLine {
                line_id: None,
                item: item.into(),
                tax_rate_keys: Vec::new(),
            },
        )
        .await
        .expect("add line");
    line_id
}

/// Books kept in EUR, today's USD rate in the tenant's table, and an invoice
/// in USD issued today, booked at it, paid at two other rates and overpaid;
/// its credit settles part of a second USD invoice booked at a fourth rate.
async fn foreign_invoice(backend: &App, tenant: TenantId, customer: CustomerId) {
    let folio = &backend.use_cases;
    folio
        .configure_accounting_currency(&ctx(tenant, "admin"), eur())
        .await
        .expect("accounting currency");
    let usd = Currency::from_code("USD").expect("USD");
    let rate = RecordExchangeRate {
        from: usd,
        to: eur(),
        date: chrono::Utc::now().date_naive(),
        rate: Decimal::new(9_215, 4),
        source: Some("ECB reference rate".into()),
    };
    folio
        .record_exchange_rate(&ctx(tenant, "acc"), rate)
        .await
        .expect("exchange rate");
    let dollars = draft_in(backend, tenant, customer, Some(usd)).await;
    let licence = line("Licence, yearly", 1, 100_000, vec![vat19()]);
    add_line(backend, tenant, dollars, licence).await;
    issue(backend, tenant, dollars, None).await;
    // Paid at a better rate (a realised gain), and part of it refunded.
    let payment = RecordPayment {
        payment_id: None,
        amount: Money::new(Decimal::new(119_000, 2), usd),
        received_on: None,
        method: PaymentMethod::BankTransfer,
        reference: None,
        exchange_rate: Some(StatedRate {
            rate: Decimal::new(9_300, 4),
            source: Some("Bank statement".into()),
        }),
    };
    let (_, payment_id) = folio
        .record_payment(&ctx(tenant, "acc"), dollars, payment.clone())
        .await
        .expect("foreign payment");
    let refund = RefundPayment {
        payment_id,
        amount: Money::new(Decimal::new(10_000, 2), usd),
        refunded_on: None,
        reason: "returned seat".into(),
    };
    folio
        .refund_payment(&ctx(tenant, "acc"), dollars, refund)
        .await
        .expect("foreign refund");
    // And the rest paid at another rate, 50.00 beyond it: credit held at the
    // invoice's rate.
    let rest = RecordPayment {
        amount: Money::new(Decimal::new(15_000, 2), usd),
        exchange_rate: Some(StatedRate {
            rate: Decimal::new(9_400, 4),
            source: None,
        }),
        ..payment
    };
    folio
        .record_payment(&ctx(tenant, "acc"), dollars, rest)
        .await
        .expect("foreign payment of the rest");
    // The credit settles part of a second invoice booked at another rate: the
    // first leaves the books, the second realises the difference.
    let second = draft_in(backend, tenant, customer, Some(usd)).await;
    let support = line("Support, monthly", 1, 10_000, vec![vat19()]);
    add_line(backend, tenant, second, support).await;
    let at_another_rate = IssueInvoice {
        issue_date: None,
        prepaid: None,
        exchange_rate: Some(StatedRate {
            rate: Decimal::new(9_500, 4),
            source: Some("Bank".into()),
        }),
    };
    folio
        .issue_invoice(&ctx(tenant, "acc"), second, at_another_rate)
        .await
        .expect("second foreign invoice");
    let apply = ApplyCustomerCredit {
        from_invoice: dollars,
        amount: Money::new(Decimal::new(5_000, 2), usd),
        applied_on: None,
    };
    folio
        .apply_customer_credit(&ctx(tenant, "acc"), second, apply)
        .await
        .expect("credit moved between foreign invoices");
}

pub async fn issue(backend: &App, tenant: TenantId, invoice: InvoiceId, on: Option<NaiveDate>) {
    backend
        .use_cases
        .issue_invoice(
            &ctx(tenant, "acc"),
            invoice,
            IssueInvoice {
                issue_date: on,
                prepaid: None,
                exchange_rate: None,
            },
        )
        .await
        .expect("issue");
}

pub async fn pay(backend: &App, tenant: TenantId, invoice: InvoiceId, cents: i64) -> PaymentId {
    let (_, payment) = backend
        .use_cases
        .record_payment(
            &ctx(tenant, "acc"),
            invoice,
            RecordPayment {
                payment_id: None,
                amount: money(cents),
                received_on: None,
                method: PaymentMethod::BankTransfer,
                reference: Some("bank ref".into()),
                exchange_rate: None,
            },
        )
        .await
        .expect("payment");
    payment
}

/// An issued invoice of `units` × 100.00 + 19% VAT for `customer`.
pub async fn issued_invoice(
    backend: &App,
    tenant: TenantId,
    customer: CustomerId,
    units: i64,
) -> InvoiceId {
    let invoice = draft(backend, tenant, customer).await;
    add_line(
        backend,
        tenant,
        invoice,
        line("Consulting", units, 10_000, vec![vat19()]),
    )
    .await;
    issue(backend, tenant, invoice, None).await;
    invoice
}

fn expense(category: &str, cents: i64, receipt: bool) -> ExpenseDetails {
    ExpenseDetails {
        incurred_on: super::recent_day(),
        merchant: "Merchant".into(),
        category: category.into(),
        amount: money(cents),
        tax: Some(money(cents / 10)),
        description: format!("{category} expense"),
        receipt_ref: receipt.then(|| "receipt-1".into()),
        exchange_rate: None,
    }
}

async fn submit(backend: &App, tenant: TenantId, details: ExpenseDetails) -> ExpenseId {
    let outcome = backend
        .use_cases
        .submit_expense(
            &ctx(tenant, "employee-1"),
            SubmitExpense {
                expense_id: None,
                details,
            },
        )
        .await
        .expect("submit expense");
    outcome.aggregate_id.parse().expect("expense id")
}

async fn approve(backend: &App, tenant: TenantId, expense: ExpenseId, approver: &str) {
    backend
        .use_cases
        .approve_expense(
            &ctx(tenant, approver),
            expense,
            ApproveExpense {
                comment: Some("ok".into()),
            },
        )
        .await
        .expect("approve");
}

/// The tenant's reminder schedule (7 days overdue), a dispute on `invoice`
/// (issued 1 October 2026, due on the 11th) raised and settled, and its
/// reminder recorded as the dunning process would on 20 October.
async fn reminded_and_disputed(backend: &App, tenant: TenantId, invoice: InvoiceId) {
    let folio = &backend.use_cases;
    let policy = DunningPolicy {
        steps: vec![DunningStep {
            days_after_due: 7,
            late_fee: None,
        }],
    };
    folio
        .configure_dunning(&ctx(tenant, "admin"), policy)
        .await
        .expect("dunning");
    let reason = "hours billed twice".into();
    folio
        .dispute_invoice(&ctx(tenant, "acc"), invoice, DisputeInvoice { reason })
        .await
        .expect("dispute");
    let resolution = Some("hours confirmed".into());
    folio
        .resolve_invoice_dispute(
            &ctx(tenant, "acc"),
            invoice,
            ResolveInvoiceDispute { resolution },
        )
        .await
        .expect("resolve");
    let day = NaiveDate::from_ymd_opt(2026, 10, 20).expect("date");
    let schedule = folio
        .reminder_schedule(tenant, day.and_hms_opt(12, 0, 0).expect("noon").and_utc())
        .await
        .expect("schedule");
    let candidate = ReminderCandidate {
        tenant_id: tenant,
        invoice_id: invoice,
        due_date: NaiveDate::from_ymd_opt(2026, 10, 11).expect("date"),
        reminders_sent: 0,
        recipients: vec!["ap@acme.example".into()],
        is_late_fee: false,
    };
    let reminded = folio
        .remind_if_due(&candidate, &schedule)
        .await
        .expect("reminder");
    assert_eq!(reminded, Reminded::Recorded(1));
}

/// Commits what the invoice `id` decides on `command` straight to the store,
/// as a process acting without a request would (the finisher of credit
/// moves, `docs/design/credit-move-finisher.md`).
pub async fn decide_and_commit(
    backend: &App,
    tenant: TenantId,
    id: InvoiceId,
    command: folio_domain::invoice::InvoiceCommand,
) {
    use cqrs_es::EventStore;
    use folio_domain::Decide;
    let store: cqrs_es::persist::PersistedEventStore<
        postgres_es::PostgresEventRepository,
        folio_domain::invoice::Invoice,
    > = cqrs_es::persist::PersistedEventStore::new_event_store(
        postgres_es::PostgresEventRepository::new(backend.pool.clone()),
    );
    let context = store.load_aggregate(&id.to_string()).await.unwrap();
    let events = context.aggregate.decide(command).unwrap();
    let metadata = std::collections::HashMap::from([("tenant_id".into(), tenant.to_string())]);
    store.commit(events, context, metadata).await.unwrap();
}

/// A draft's allowance and charge at 19% (category S), one of each added and
/// the charge removed again.
async fn adjusted_draft(backend: &App, tenant: TenantId, invoice: InvoiceId) {
    use folio_domain::adjustment::{AdjustmentKind, AdjustmentSize};
    let vat = TaxRate {
        category: Some(folio_domain::tax::VatCategory::Standard),
        ..vat19()
    };
    add_line(
        backend,
        tenant,
        invoice,
        line("Hosting", 1, 50_000, vec![vat.clone()]),
    )
    .await;
    let adjustment =
        |kind, size, reason: Option<&str>, code: &str| folio_commands::AddInvoiceAdjustment {
            adjustment_id: None,
            kind,
            size,
            reason: reason.map(str::to_owned),
            reason_code: Some(code.to_owned()),
            tax: Some(vat.clone()),
            tax_rate_key: None,
        };
    let rebate = adjustment(
        AdjustmentKind::Allowance,
        AdjustmentSize::Percent {
            percent: Decimal::from(3),
        },
        Some("Loyalty rebate"),
        "95",
    );
    let freight = adjustment(
        AdjustmentKind::Charge,
        AdjustmentSize::Amount {
            amount: Decimal::from(12),
        },
        None,
        "FC",
    );
    let folio = &backend.use_cases;
    let mut added = Vec::new();
    for input in [rebate, freight] {
        let (_, id) = folio
            .add_invoice_adjustment(&ctx(tenant, "acc"), invoice, input)
            .await
            .expect("add adjustment");
        added.push(id);
    }
    folio
        .remove_invoice_adjustment(&ctx(tenant, "acc"), invoice, added[1])
        .await
        .expect("remove adjustment");
}

/// Runs commands that produce every event type of customers, invoices and
/// expenses in `tenant`.
pub async fn every_event_type(backend: &App, tenant: TenantId) {
    let folio = &backend.use_cases;
    folio
        .configure_expense_policy(
            &ctx(tenant, "admin"),
            ExpensePolicy {
                approval_thresholds: vec![ApprovalThreshold {
                    currency: eur(),
                    from_amount: Decimal::from(1000),
                    approvals: 2,
                }],
                category_limits: vec![CategoryLimit {
                    category: "meals".into(),
                    limit: money(5_000),
                }],
                receipt_required_above: Some(money(2_500)),
            },
        )
        .await
        .expect("expense policy");
    // UTC keeps every test's "today" the test machine's UTC date.
    folio
        .configure_timezone(&ctx(tenant, "admin"), "UTC".into())
        .await
        .expect("timezone");

    // Customers: registered, updated twice, one archived and then erased.
    let acme = customer(backend, tenant, "Acme GmbH").await;
    folio
        .update_customer_contact(
            &ctx(tenant, "acc"),
            acme,
            ContactDetails {
                name: "Acme Europe GmbH".into(),
                email: Some("billing@acme.example".into()),
                phone: Some("+49 30 1234".into()),
                address: Some("Berlin".into()),
            },
        )
        .await
        .expect("contact");
    let mut tax = customer_input().tax;
    tax.payment_terms_days = 14;
    folio
        .update_customer_tax_details(&ctx(tenant, "acc"), acme, tax)
        .await
        .expect("tax details");
    let gone = customer(backend, tenant, "Gone Ltd").await;
    folio
        .archive_customer(&ctx(tenant, "acc"), gone, "closed".into())
        .await
        .expect("archive");
    folio
        .erase_customer_personal_data(&ctx(tenant, "admin"), gone, "GDPR request 1".into())
        .await
        .expect("erase");

    // An invoice whose draft changes, then issued, sent, paid, refunded, credited.
    let invoice = draft(backend, tenant, acme).await;
    let first = add_line(
        backend,
        tenant,
        invoice,
        line("Design", 3, 12_345, vec![vat19()]),
    )
    .await;
    let second = add_line(
        backend,
        tenant,
        invoice,
        line("Books", 2, 2_999, vec![vat7()]),
    )
    .await;
    add_line(
        backend,
        tenant,
        invoice,
        line("Spare", 1, 100, vec![vat19()]),
    )
    .await;
    let mut discounted = line("Design, discounted", 3, 12_345, vec![vat19()]);
    discounted.discount = Some(Discount::Percent {
        percent: Decimal::from(10),
    });
    folio
        .change_invoice_line(&ctx(tenant, "acc"), invoice, first, discounted.into(), &[])
        .await
        .expect("change line");
    folio
        .remove_invoice_line(&ctx(tenant, "acc"), invoice, second)
        .await
        .expect("remove line");
    add_line(
        backend,
        tenant,
        invoice,
        line("Books", 2, 2_999, vec![vat7()]),
    )
    .await;
    folio
        .update_invoice_terms(
            &ctx(tenant, "acc"),
            invoice,
            DueTerms::NetDays { days: 10 },
            Some("Net 10".into()),
        )
        .await
        .expect("terms");
    issue(
        backend,
        tenant,
        invoice,
        NaiveDate::from_ymd_opt(2026, 10, 1),
    )
    .await;
    folio
        .mark_invoice_sent(
            &ctx(tenant, "acc"),
            invoice,
            vec!["ap@acme.example".into()],
            folio_domain::invoice::Delivery::Email,
        )
        .await
        .expect("send");
    let payment = pay(backend, tenant, invoice, 10_000).await;
    folio
        .refund_payment(
            &ctx(tenant, "acc"),
            invoice,
            RefundPayment {
                payment_id: payment,
                amount: money(2_500),
                refunded_on: None,
                reason: "double charge".into(),
            },
        )
        .await
        .expect("refund");
    folio
        .issue_credit_note(
            &ctx(tenant, "acc"),
            invoice,
            IssueCreditNote {
                credit: CreditRequest::Amount {
                    amount: money(5_000),
                    tax: Some(TaxSelector {
                        code: "VAT".into(),
                        percent: Decimal::from(19),
                        category: None,
                    }),
                },
                issue_date: None,
                reason: "goodwill".into(),
            },
        )
        .await
        .expect("credit note");

    reminded_and_disputed(backend, tenant, invoice).await;

    // An invoice issued then voided, one paid in full, one left as a draft.
    let voided = issued_invoice(backend, tenant, acme, 2).await;
    folio
        .void_invoice(
            &ctx(tenant, "acc"),
            voided,
            folio_commands::VoidInvoice {
                reason: "wrong customer".into(),
                sat_cancellation: None,
            },
        )
        .await
        .expect("void");
    let paid = issued_invoice(backend, tenant, acme, 1).await;
    pay(backend, tenant, paid, 11_900).await;
    foreign_invoice(backend, tenant, acme).await;
    let left_as_draft = draft(backend, tenant, acme).await;
    adjusted_draft(backend, tenant, left_as_draft).await;
    // The paid invoice's archive (the archiver's outcome: its files' hashes).
    let files = [
        (ArchivedFormat::FacturX, "application/pdf"),
        (ArchivedFormat::Ubl, "application/xml"),
    ]
    .map(|(format, content_type)| ArchivedFile {
        format,
        sha256: BlobAddress::of(content_type.as_bytes()).sha256().to_owned(),
        size_bytes: 1_024,
        content_type: content_type.into(),
    })
    .to_vec();
    folio
        .record_document_archive(&ctx(tenant, "acc"), paid, DocumentOfInvoice::Invoice, files)
        .await
        .expect("archive");

    // An invoice overpaid, then one of its lines returned: both excesses are
    // held as the customer's credit.
    let returned = draft(backend, tenant, acme).await;
    let returned_line = add_line(
        backend,
        tenant,
        returned,
        line("Licences", 3, 5_000, vec![vat19()]),
    )
    .await;
    issue(backend, tenant, returned, None).await;
    pay(backend, tenant, returned, 20_000).await;
    folio
        .issue_credit_note(
            &ctx(tenant, "acc"),
            returned,
            IssueCreditNote {
                credit: CreditRequest::Lines(vec![LineCredit {
                    line_id: returned_line,
                    quantity: Decimal::ONE,
                }]),
                issue_date: None,
                reason: "one licence returned".into(),
            },
        )
        .await
        .expect("line-based credit note");
    // Part of that credit settles a later invoice of the customer.
    let later = issued_invoice(backend, tenant, acme, 1).await;
    let apply = ApplyCustomerCredit {
        from_invoice: returned,
        amount: money(3_000),
        applied_on: None,
    };
    folio
        .apply_customer_credit(&ctx(tenant, "acc"), later, apply)
        .await
        .expect("apply credit");

    // Expenses: two approvals then reimbursed; returned, amended, approved;
    // rejected (breaking the meals limit).
    let big = submit(backend, tenant, expense("travel", 145_000, true)).await;
    approve(backend, tenant, big, "approver-1").await;
    approve(backend, tenant, big, "approver-2").await;
    folio
        .reimburse_expense(&ctx(tenant, "finance"), big, "BATCH-1".into(), None)
        .await
        .expect("reimburse");
    let returned = submit(backend, tenant, expense("lodging", 24_000, false)).await;
    folio
        .return_expense(
            &ctx(tenant, "approver-1"),
            returned,
            "attach the receipt".into(),
        )
        .await
        .expect("return");
    folio
        .amend_expense(
            &ctx(tenant, "employee-1"),
            returned,
            expense("lodging", 24_000, true),
        )
        .await
        .expect("amend");
    approve(backend, tenant, returned, "approver-1").await;
    let rejected = submit(backend, tenant, expense("meals", 12_000, true)).await;
    folio
        .reject_expense(
            &ctx(tenant, "approver-2"),
            rejected,
            "over the limit".into(),
        )
        .await
        .expect("reject");

    every_directory_event(backend, tenant).await;
    every_webhook_event(backend, tenant).await;
}

/// Two webhook endpoints (on addresses no test listens at): one changed,
/// rotated, disabled and enabled again, the other deleted.
async fn every_webhook_event(backend: &App, tenant: TenantId) {
    let folio = &backend.use_cases;
    let mut endpoints = Vec::new();
    for (path, types) in [
        ("/erp", vec!["invoice.issued".to_owned()]),
        ("/old", vec![]),
    ] {
        let registered = folio
            .register_webhook_endpoint(
                &ctx(tenant, "admin"),
                RegisterWebhookEndpoint {
                    endpoint_id: None,
                    url: format!("https://erp.every-event.example{path}"),
                    event_types: types,
                    description: Some("ERP".into()),
                },
            )
            .await
            .expect("register endpoint");
        endpoints.push(WebhookEndpointId(registered.aggregate_id.parse().unwrap()));
    }
    let (erp, old) = (endpoints[0], endpoints[1]);
    let admin = || ctx(tenant, "admin");
    let update = UpdateWebhookEndpoint {
        clear_description: true,
        ..UpdateWebhookEndpoint::default()
    };
    folio
        .update_webhook_endpoint(&admin(), erp, update)
        .await
        .expect("update endpoint");
    folio
        .rotate_webhook_secret(&admin(), erp)
        .await
        .expect("rotate");
    folio
        .disable_webhook_endpoint(&admin(), erp, "maintenance".into(), false)
        .await
        .expect("disable");
    folio
        .enable_webhook_endpoint(&admin(), erp)
        .await
        .expect("enable");
    folio
        .delete_webhook_endpoint(&admin(), old)
        .await
        .expect("delete");
}

/// The tenant gets a directory; users are invited, enrolled on first sight,
/// activated, updated, deactivated and reactivated; the policy changes.
async fn every_directory_event(backend: &App, tenant: TenantId) {
    let folio = &backend.use_cases;
    let open = DirectoryPolicy {
        enrollment: Enrollment::Open,
        approval_routing: ApprovalRouting::AnyApprover,
    };
    folio
        .create_tenant(&ctx(tenant, "operator"), "Every Event GmbH".into(), open)
        .await
        .expect("create tenant");
    for (subject, manager) in [("manager-1", None), ("employee-9", Some("manager-1"))] {
        folio
            .invite_user(
                &ctx(tenant, "admin"),
                InviteUser {
                    subject: UserId::new(subject),
                    roles: vec![Role::Employee, Role::Approver],
                    manager: manager.map(UserId::new),
                    cost_center: Some("CC-7".into()),
                    email: Some(format!("{subject}@every-event.example")),
                },
            )
            .await
            .expect("invite");
    }
    // First sights go through the directory's read model, as every request's do
    // (the other projectors stay where they are, for the tests that run them).
    backend
        .projections()
        .catch_up_one("directory")
        .await
        .expect("catch up");
    for subject in ["employee-9", "newcomer"] {
        let token = Caller::new(tenant, UserId::new(subject), vec![Role::Employee]);
        folio.sign_in(token).await.expect("first sight");
    }
    let employee = UserId::new("employee-9");
    folio
        .update_user(
            &ctx(tenant, "admin"),
            employee.clone(),
            UpdateUser {
                roles: Some(vec![Role::Employee]),
                clear_manager: true,
                cost_center: Some("CC-8".into()),
                email: Some("employee-9@elsewhere.example".into()),
                ..UpdateUser::default()
            },
        )
        .await
        .expect("update");
    folio
        .erase_user_personal_data(
            &ctx(tenant, "admin"),
            UserId::new("newcomer"),
            "request 7".into(),
        )
        .await
        .expect("erase");
    folio
        .deactivate_user(&ctx(tenant, "admin"), employee.clone(), "left".into())
        .await
        .expect("deactivate");
    folio
        .reactivate_user(&ctx(tenant, "admin"), employee)
        .await
        .expect("reactivate");
    let by_manager = DirectoryPolicy {
        approval_routing: ApprovalRouting::EmployeesManager,
        ..open
    };
    folio
        .configure_directory(&ctx(tenant, "admin"), by_manager)
        .await
        .expect("configure directory");
    mexican_invoices(backend, tenant).await;
}

/// Last, so nothing before it is Mexican: the tenant invoices under MX (and
/// then no more), one
/// invoice awaits its fiscal stamp, and another's CFDI is sealed, refused by
/// the PAC, asked for again, sealed anew and stamped (the stamper's steps, as
/// it records them; the files' hashes stand for stored ones).
async fn mexican_invoices(backend: &App, tenant: TenantId) {
    let folio = &backend.use_cases;
    folio
        .configure_jurisdiction(&ctx(tenant, "admin"), Jurisdiction::Mx)
        .await
        .expect("jurisdiction");
    let issuer = SatIssuer {
        rfc: "AAA010101AAA".into(),
        name: "ACCEM SERVICIOS EMPRESARIALES".into(),
        tax_regime: "601".into(),
        postal_code: "06600".into(),
    };
    folio
        .configure_sat_issuer(&ctx(tenant, "admin"), issuer)
        .await
        .expect("SAT issuer");
    let mut input = customer_input();
    input.contact.name = "ESCUELA KEMPER URGATE".into();
    input.tax = TaxDetails {
        tax_id: Some("EKU9003173C9".into()),
        country: "MX".into(),
        default_currency: Currency::from_code("MXN").expect("MXN"),
        payment_terms_days: 30,
        sat: Some(SatReceiver {
            tax_regime: "601".into(),
            postal_code: "26015".into(),
            cfdi_use: "G03".into(),
        }),
    };
    let outcome = folio
        .register_customer(&ctx(tenant, "acc"), input)
        .await
        .expect("Mexican customer");
    let escuela: CustomerId = outcome.aggregate_id.parse().expect("customer id");
    let mut invoices = Vec::new();
    for _ in 0..3 {
        let invoice = draft(backend, tenant, escuela).await;
        let mut item = line("Consultoría", 2, 50_000, vec![iva16()]);
        item.sat = Some(SatLineKeys {
            product_key: "84111506".into(),
            unit_key: "E48".into(),
            tax_object: None,
        });
        add_line(backend, tenant, invoice, item).await;
        // The books are in euros: a peso invoice is booked at a stated rate.
        let booked = IssueInvoice {
            issue_date: None,
            prepaid: None,
            exchange_rate: Some(StatedRate {
                rate: Decimal::new(488, 4),
                source: Some("ECB reference rate".into()),
            }),
        };
        folio
            .issue_invoice(&ctx(tenant, "acc"), invoice, booked)
            .await
            .expect("Mexican invoice");
        invoices.push(invoice);
    }
    stamp_after_a_refusal(backend, tenant, invoices[1]).await;
    cancellation_refused_then_asked_again(backend, tenant, invoices[1]).await;
    complement_after_a_refusal(backend, tenant, invoices[2]).await;
    credit_note_after_a_refusal(backend, tenant, invoices[2]).await;
    // And back: what a test issues after the scenario is not Mexican.
    folio
        .configure_jurisdiction(&ctx(tenant, "admin"), Jurisdiction::Other)
        .await
        .expect("jurisdiction back");
}

/// IVA 16%, transferred.
fn iva16() -> TaxRate {
    TaxRate {
        code: "IVA".into(),
        percent: Decimal::from(16),
        treatment: TaxTreatment::Standard,
        category: None,
        exemption: None,
    }
}

/// The stamper's steps for `invoice`: sealed, refused, asked for again,
/// sealed anew, stamped.
async fn stamp_after_a_refusal(backend: &App, tenant: TenantId, invoice: InvoiceId) {
    let rejection = CfdiRejection {
        code: "CFDI40145".into(),
        message: "El campo Nombre del receptor no pertenece al RFC.".into(),
        rejected_at: chrono::Utc::now(),
    };
    let own = DocumentOfInvoice::Invoice;
    refused_then_stamped(backend, tenant, (invoice, own), rejection).await;
}

/// A CFDI sealed now, its XML's address `digit` repeated.
fn sealed_now(digit: char) -> CfdiSeal {
    CfdiSeal {
        sealed_at: chrono::Utc::now(),
        certificate_number: "30001000000300023708".into(),
        xml: CfdiFile {
            sha256: digit.to_string().repeat(64),
            size_bytes: 3_210,
        },
    }
}

/// A PAC's stamp of now, with a folio of its own, the stamped XML's address
/// `digit` repeated.
fn stamped_now(digit: char) -> CfdiStamp {
    let now = chrono::Utc::now();
    CfdiStamp {
        uuid: uuid::Uuid::new_v4(),
        stamped_on: now.naive_utc(),
        pac_rfc: "SIM201207PA1".into(),
        sat_certificate_number: "99999000000000000001".into(),
        cfd_seal: "c2VsbG8gQ0ZE".into(),
        sat_seal: "c2VsbG8gU0FU".into(),
        xml: CfdiFile {
            sha256: digit.to_string().repeat(64),
            size_bytes: 3_210,
        },
        recorded_at: now,
    }
}

/// `invoice` stamped and paid in two parts, and the stamper's steps for the
/// first payment's complement: numbered, sealed, refused, asked for again,
/// sealed anew, stamped (the second's awaits its number).
async fn complement_after_a_refusal(backend: &App, tenant: TenantId, invoice: InvoiceId) {
    let folio = &backend.use_cases;
    let stamper = || ctx(tenant, "acc");
    let own = DocumentOfInvoice::Invoice;
    for step in [
        StampStep::Seal(sealed_now('d')),
        StampStep::Stamp(stamped_now('e')),
    ] {
        folio
            .record_stamp_step(&stamper(), invoice, own, step)
            .await
            .expect("invoice sealed and stamped");
    }
    let payment = RecordPayment {
        payment_id: None,
        amount: Money::new(
            Decimal::new(50_000, 2),
            Currency::from_code("MXN").expect("MXN"),
        ),
        received_on: None,
        method: PaymentMethod::BankTransfer,
        reference: Some("SPEI 0042".into()),
        exchange_rate: Some(StatedRate {
            rate: Decimal::new(490, 4),
            source: Some("Bank statement".into()),
        }),
    };
    let (_, payment_id) = folio
        .record_payment(&ctx(tenant, "acc"), invoice, payment.clone())
        .await
        .expect("payment of a PPD invoice");
    folio
        .record_payment(&ctx(tenant, "acc"), invoice, payment)
        .await
        .expect("second payment of a PPD invoice");
    folio
        .issue_payment_complement(&stamper(), invoice, payment_id)
        .await
        .expect("complement numbered");
    let refusal = CfdiRejection {
        code: "CRP20101".into(),
        message: "FormaDePagoP no contiene un valor del catálogo.".into(),
        rejected_at: chrono::Utc::now(),
    };
    let complement = DocumentOfInvoice::PaymentComplement { payment_id };
    refused_then_stamped(backend, tenant, (invoice, complement), refusal).await;
    folio
        .record_document_archive(&stamper(), invoice, complement, stamped_files('9'))
        .await
        .expect("complement archived");
}

/// The archived files of a CFDI stamped by [`refused_then_stamped`]: the
/// stamped XML and its printed form (at `pdf_digit` repeated).
fn stamped_files(pdf_digit: char) -> Vec<ArchivedFile> {
    [
        (ArchivedFormat::Cfdi, 'b', "application/xml"),
        (ArchivedFormat::CfdiPdf, pdf_digit, "application/pdf"),
    ]
    .map(|(format, digit, content_type)| ArchivedFile {
        format,
        sha256: digit.to_string().repeat(64),
        size_bytes: 3_210,
        content_type: content_type.into(),
    })
    .to_vec()
}

/// The stamper's steps for `document`'s CFDI: sealed, refused with
/// `refusal`, asked for again, sealed anew, stamped.
async fn refused_then_stamped(
    backend: &App,
    tenant: TenantId,
    (invoice, document): (InvoiceId, DocumentOfInvoice),
    refusal: CfdiRejection,
) {
    let folio = &backend.use_cases;
    let stamper = || ctx(tenant, "acc");
    for step in [
        StampStep::Seal(sealed_now('f')),
        StampStep::Rejection(refusal),
    ] {
        folio
            .record_stamp_step(&stamper(), invoice, document, step)
            .await
            .expect("sealed, refused");
    }
    folio
        .request_stamp(&stamper(), invoice, document)
        .await
        .expect("asked again");
    for step in [
        StampStep::Seal(sealed_now('a')),
        StampStep::Stamp(stamped_now('b')),
    ] {
        folio
            .record_stamp_step(&stamper(), invoice, document, step)
            .await
            .expect("sealed anew, stamped");
    }
}

/// A credit note of `cents` MXN (IVA 16% included) against the stamped
/// `invoice`; its id.
async fn mexican_credit_note(
    backend: &App,
    tenant: TenantId,
    invoice: InvoiceId,
    cents: i64,
) -> CreditNoteId {
    let credit = IssueCreditNote {
        credit: CreditRequest::Amount {
            amount: Money::new(
                Decimal::new(cents, 2),
                Currency::from_code("MXN").expect("MXN"),
            ),
            tax: Some(TaxSelector {
                code: "IVA".into(),
                percent: Decimal::from(16),
                category: None,
            }),
        },
        issue_date: None,
        reason: "descuento por pronto pago".into(),
    };
    let (_, credit_note_id) = backend
        .use_cases
        .issue_credit_note(&ctx(tenant, "acc"), invoice, credit)
        .await
        .expect("credit note of a stamped Mexican invoice");
    credit_note_id
}

/// A credit note against the stamped `invoice`, its CFDI refused, asked for
/// again and stamped, then archived; and a second one awaiting its stamp.
async fn credit_note_after_a_refusal(backend: &App, tenant: TenantId, invoice: InvoiceId) {
    let folio = &backend.use_cases;
    let credit_note_id = mexican_credit_note(backend, tenant, invoice, 11_600).await;
    let note = DocumentOfInvoice::CreditNote { credit_note_id };
    let refusal = CfdiRejection {
        code: "CFDI40161".into(),
        message: "El valor del campo Importe no es válido.".into(),
        rejected_at: chrono::Utc::now(),
    };
    refused_then_stamped(backend, tenant, (invoice, note), refusal).await;
    folio
        .record_document_archive(&ctx(tenant, "acc"), invoice, note, stamped_files('8'))
        .await
        .expect("credit note archived");
    mexican_credit_note(backend, tenant, invoice, 1_160).await;
}

/// The canceller's steps for the stamped `invoice`: a cancellation asked,
/// acknowledged by SAT, refused by the receiver, asked again and
/// acknowledged (SAT deciding when the scenario ends).
async fn cancellation_refused_then_asked_again(
    backend: &App,
    tenant: TenantId,
    invoice: InvoiceId,
) {
    let folio = &backend.use_cases;
    let now = chrono::Utc::now();
    let void = || folio_commands::VoidInvoice {
        reason: "the receiver's regime was wrong".into(),
        sat_cancellation: Some(folio_commands::SatCancellationRequest {
            reason: SatCancellationReason::ErrorsWithoutReplacement,
            replaced_by: None,
        }),
    };
    let receipt = |digit: char| CfdiCancellationReceipt {
        acuse: CfdiFile {
            sha256: digit.to_string().repeat(64),
            size_bytes: 512,
        },
        status_code: "201".into(),
        received_at: now,
    };
    let canceller = || ctx(tenant, "acc");
    for (attempt, digit) in [(1, 'd'), (2, 'e')] {
        folio
            .void_invoice(&canceller(), invoice, void())
            .await
            .expect("cancellation asked");
        folio
            .record_cfdi_cancellation_receipt(&canceller(), invoice, receipt(digit))
            .await
            .expect("acknowledged");
        if attempt == 1 {
            let refusal = CfdiCancellationRefusal {
                code: "RECEIVER_REFUSED".into(),
                message: "Solicitud rechazada".into(),
                refused_at: now,
            };
            folio
                .record_cfdi_cancellation_refusal(&canceller(), invoice, refusal)
                .await
                .expect("refused");
        }
    }
}

/// A German seller with a VAT number and an IBAN: every document can be written.
pub fn legal_profile() -> LegalProfile {
    LegalProfile {
        legal_name: "Muster GmbH".into(),
        trading_name: None,
        address: PostalAddress {
            lines: vec!["Hauptstraße 1".into()],
            city: "München".into(),
            postal_code: Some("80331".into()),
            subdivision: None,
            country: "DE".into(),
        },
        vat_id: Some("DE129273398".into()),
        tax_registration_id: None,
        company_id: None,
        email: Some("billing@muster.example".into()),
        phone: None,
        bank_account: Some(BankAccount {
            iban: "DE89370400440532013000".into(),
            bic: None,
            account_name: None,
        }),
    }
}

/// A new tenant with a directory under `policy`, created by an operator, its
/// first admin `root` (with `root_email`, if any).
pub async fn tenant_with_directory(
    backend: &App,
    policy: DirectoryPolicy,
    root_email: Option<&str>,
) -> TenantId {
    let t = super::tenant();
    let folio = &backend.use_cases;
    folio
        .create_tenant(&ctx(t, "operator"), "Muster Verzeichnis".into(), policy)
        .await
        .expect("create tenant");
    let root = InviteUser {
        subject: UserId::new("root"),
        roles: vec![Role::Admin],
        manager: None,
        cost_center: None,
        email: root_email.map(str::to_owned),
    };
    folio
        .invite_user(&ctx(t, "operator"), root)
        .await
        .expect("invite root");
    t
}
