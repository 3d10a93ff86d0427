//! Payment reminders across a simulated clock: `folio serve` with a real SMTP
//! server (maildev) e-mails what the dunning process records, run day by day
//! over six weeks (in this process, as a second instance on the same day, and
//! as `folio reminders run` from the command line). Exactly the scheduled
//! steps go out, once each; none after payment, none while disputed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use folio_api::Role;
use folio_domain::dunning::{late_fee_invoice_id, DunningPolicy, DunningStep};
use folio_domain::ids::{InvoiceId, TenantId};
use folio_domain::tax_catalogue::CatalogueRate;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::scenario::{customer, issued_invoice, legal_profile, vat19};
use support::server::Server;
use support::smtp::MailServer;
use support::{ctx, tenant, TestDatabase};

const CONFIGURE: &str = "mutation($steps: [DunningStepInput!]!) {
    configureDunning(idempotencyKey: \"dunning\", policy: {steps: $steps}) { version } }";
const SEND: &str = "mutation($id: ID!, $key: String!) {
    sendInvoice(idempotencyKey: $key, invoiceId: $id, to: [\"ap@acme.example\"]) { version } }";
const DISPUTE: &str = "mutation($id: ID!) {
    disputeInvoice(idempotencyKey: \"dispute\", invoiceId: $id, reason: \"Hours billed twice\") { version } }";
const RESOLVE: &str = "mutation($id: ID!) {
    resolveInvoiceDispute(idempotencyKey: \"resolve\", invoiceId: $id, resolution: \"Hours confirmed\") { version } }";
const PAY: &str = "mutation($id: ID!, $amount: Decimal!) {
    recordPayment(idempotencyKey: \"pay\", invoiceId: $id,
                  payment: {amount: {amount: $amount, currency: \"EUR\"}, method: BANK_TRANSFER}) { version } }";
const DUNNING: &str = "query($id: ID!) { invoice(id: $id) {
    dunning { remindersSent lastRemindedOn disputedOn disputeReason } } }";

/// The instant a simulated day is run at: noon UTC, that same day in the
/// tenant's timezone.
fn noon(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(12, 0, 0).unwrap().and_utc()
}

/// The reminders each invoice's stream holds: (step, day).
async fn reminders_of(db: &TestDatabase, invoice: InvoiceId) -> Vec<(i64, NaiveDate)> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT payload #>> '{PaymentReminderSent,step}', payload #>> '{PaymentReminderSent,reminded_on}'
         FROM events WHERE aggregate_id = $1 AND event_type = 'PaymentReminderSent'
         ORDER BY sequence",
    )
    .bind(invoice.0.to_string())
    .fetch_all(&db.app.pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(step, day)| (step.parse().unwrap(), day.parse().unwrap()))
        .collect()
}

/// Waits until the invoicing read model and the e-mail reactor have applied
/// every event stored, and every e-mail queued went out: the next simulated
/// day reads what the last one did, and its e-mails leave on their day (a
/// reminder is composed when it is sent, and is skipped once the invoice is
/// settled or disputed).
async fn caught_up(db: &TestDatabase) {
    support::eventually(
        "the read model and the e-mails follow the store",
        || async {
            let behind: bool = sqlx::query_scalar(
                "SELECT (SELECT max(global_position) FROM events)
                    > (SELECT min(global_position) FROM projection_checkpoints
                       WHERE projector IN ('invoicing', 'mail'))
                 OR EXISTS (SELECT FROM outbox WHERE status NOT IN ('SENT', 'SKIPPED', 'FAILED'))",
            )
            .fetch_one(&db.app.pool)
            .await
            .unwrap();
            (!behind).then_some(())
        },
    )
    .await;
}

async fn archived_sha256(db: &TestDatabase, invoice: InvoiceId) -> String {
    support::eventually("the invoice is archived", || async {
        sqlx::query_scalar::<_, String>(
            "SELECT sha256 FROM folio_read.archived_documents
             WHERE invoice_id = $1 AND credit_note_id IS NULL AND format = 'FACTUR_X'",
        )
        .bind(invoice.0)
        .fetch_optional(&db.app.pool)
        .await
        .unwrap()
    })
    .await
}

/// The invoices' number, by which their e-mails' subjects name them.
async fn number_of(db: &TestDatabase, invoice: InvoiceId) -> String {
    sqlx::query_scalar("SELECT number FROM folio_read.invoices WHERE invoice_id = $1")
        .bind(invoice.0)
        .fetch_one(&db.app.pool)
        .await
        .unwrap()
}

/// Checks that the step-3 reminder of `invoice` charged 5.00 EUR taxed at
/// `vat-19`, that one invoice charges it (one line, 5.95 with VAT, in the
/// German customer's words) and went out, and that it charges no fee itself.
async fn assert_late_fee_invoiced(db: &TestDatabase, t: TenantId, invoice: InvoiceId) {
    let (fee, key): (String, String) = sqlx::query_as(
        "SELECT payload #>> '{PaymentReminderSent,late_fee,amount,amount}',
                payload #>> '{PaymentReminderSent,late_fee,tax_rate_key}'
         FROM events WHERE aggregate_id = $1 AND event_type = 'PaymentReminderSent'
           AND payload #>> '{PaymentReminderSent,step}' = '3'",
    )
    .bind(invoice.0.to_string())
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!((fee.as_str(), key.as_str()), ("5.00", "vat-19"));
    let fee_invoice = late_fee_invoice_id(t, invoice, 3);
    let (status, total, description): (String, rust_decimal::Decimal, String) = sqlx::query_as(
        "SELECT i.status, i.total, l.description FROM folio_read.invoices i
         JOIN folio_read.invoice_lines l USING (tenant_id, invoice_id) WHERE i.invoice_id = $1",
    )
    .bind(fee_invoice.0)
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(status, "SENT");
    assert_eq!(total, rust_decimal::Decimal::new(595, 2));
    let number = number_of(db, invoice).await;
    assert_eq!(
        description,
        format!("Mahngebühr: 3. Zahlungserinnerung zu Rechnung {number}")
    );
    let steps: Vec<i64> = reminders_of(db, fee_invoice)
        .await
        .iter()
        .map(|(step, _)| *step)
        .collect();
    assert_eq!(steps, [3, 4], "reminded of as any invoice");
    let fees_on_fees: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_id = $1
           AND payload #> '{PaymentReminderSent,late_fee}' IS NOT NULL",
    )
    .bind(fee_invoice.0.to_string())
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(fees_on_fees, 0);
}

/// The tenant that reminds: a seller with a schedule of four reminders and
/// three invoices sent to the same customer.
struct Dunned {
    t: TenantId,
    a: InvoiceId,
    b: InvoiceId,
    c: InvoiceId,
}

async fn dunned_tenant(db: &TestDatabase, server: &Server) -> Dunned {
    let t = tenant();
    db.app
        .use_cases
        .configure_legal_profile(&ctx(t, "root"), legal_profile())
        .await
        .unwrap();
    let rate = CatalogueRate {
        key: "vat-19".into(),
        name: "VAT 19%".into(),
        tax: vat19(),
    };
    db.app
        .use_cases
        .configure_tax_rates(&ctx(t, "root"), vec![rate])
        .await
        .unwrap();
    let admin = server.token(t, "root", Role::Admin);
    // The 14-day reminder charges a fee of 5.00 EUR plus VAT
    let fee = json!({"fixed": {"amount": "5.00", "currency": "EUR"}, "taxRateKey": "vat-19"});
    let steps = json!([
        {"daysAfterDue": 14, "lateFee": fee}, {"daysAfterDue": -3},
        {"daysAfterDue": 30}, {"daysAfterDue": 7}
    ]);
    server.ok(&admin, CONFIGURE, json!({"steps": steps})).await;
    let read = server
        .ok(
            &admin,
            "{ tenantSettings { dunning { steps { daysAfterDue
                lateFee { fixed { amount currency } percent taxRateKey } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        read["tenantSettings"]["dunning"]["steps"][2],
        json!({"daysAfterDue": 14, "lateFee": {"fixed": {"amount": "5.00", "currency": "EUR"},
               "percent": null, "taxRateKey": "vat-19"}})
    );
    let buyer = customer(&db.app, t, "Acme GmbH").await;
    let accountant = server.token(t, "alice", Role::Accountant);
    let mut invoices = Vec::new();
    for units in [3, 1, 2] {
        let invoice = issued_invoice(&db.app, t, buyer, units).await;
        archived_sha256(db, invoice).await;
        let id = invoice.0.to_string();
        server
            .ok(
                &accountant,
                SEND,
                json!({"id": id, "key": format!("send-{id}")}),
            )
            .await;
        invoices.push(invoice);
    }
    Dunned {
        t,
        a: invoices[0],
        b: invoices[1],
        c: invoices[2],
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn reminders_follow_the_schedule_once_each_and_stop_on_payment_and_dispute() {
    // Given folio serve with an SMTP server and its own reminder loop off
    let db = TestDatabase::new().await;
    let mail = MailServer::start().await;
    let smtp = mail.smtp_url();
    let server = Server::start_with(
        &db,
        &[
            ("FOLIO_SMTP_URL", smtp.as_str()),
            ("FOLIO_MAIL_FROM", "invoices@folio.example"),
            ("FOLIO_DUNNING_INTERVAL", "off"),
            // A fee invoice is e-mailed as it is issued, often before its PDF
            // is archived: its e-mail waits a second, not the default 30.
            ("FOLIO_MAIL_RETRY_SCHEDULE", "1s,2s,5s,30s"),
        ],
    )
    .await;
    // And a tenant reminding 3 days before the due date and 7, 14 and 30
    // days after, with invoices A, B and C sent to its customer
    let Dunned { t, a, b, c } = dunned_tenant(&db, &server).await;
    // And another tenant, without a schedule, with an invoice just as late
    let quiet = tenant();
    db.app
        .use_cases
        .configure_legal_profile(&ctx(quiet, "root"), legal_profile())
        .await
        .unwrap();
    let quiet_buyer = customer(&db.app, quiet, "Quiet GmbH").await;
    let unreminded = issued_invoice(&db.app, quiet, quiet_buyer, 1).await;
    let due: NaiveDate = support::eventually("the invoices are read", || async {
        sqlx::query_scalar("SELECT due_date FROM folio_read.invoices WHERE invoice_id = $1")
            .bind(a.0)
            .fetch_optional(&db.app.pool)
            .await
            .unwrap()
    })
    .await;
    let accountant = server.token(t, "alice", Role::Accountant);

    // When the clock runs from 5 days before the due date to 40 after, one
    // run a day; C disputed on day 5 and settled on day 16, B paid on day 10
    let mut recorded_on = Vec::new();
    for offset in -5..=40 {
        let day = due + Duration::days(offset);
        match offset {
            5 => {
                server
                    .ok(&accountant, DISPUTE, json!({"id": c.0.to_string()}))
                    .await
            }
            10 => {
                let amount = "119.00";
                server
                    .ok(
                        &accountant,
                        PAY,
                        json!({"id": b.0.to_string(), "amount": amount}),
                    )
                    .await
            }
            16 => {
                server
                    .ok(&accountant, RESOLVE, json!({"id": c.0.to_string()}))
                    .await
            }
            _ => Value::Null,
        };
        caught_up(&db).await;
        let recorded = match offset {
            // Two instances on the same day: each step once between them
            -3 => {
                let (first, second) = (db.app.dunning(), db.app.dunning());
                let (one, two) = tokio::join!(first.run(noon(day)), second.run(noon(day)));
                one.unwrap().recorded + two.unwrap().recorded
            }
            // A separate process, as a scheduled job runs it
            30 => {
                let at = day.to_string();
                let output = support::folio(&db.url, &["reminders", "run", "--at", &at]);
                let said = String::from_utf8_lossy(&output.stdout).to_string();
                assert!(
                    output.status.success(),
                    "{said}\n{}",
                    String::from_utf8_lossy(&output.stderr)
                );
                said.split(", ")
                    .find_map(|part| part.strip_suffix(" recorded"))
                    .unwrap_or_else(|| panic!("{said}"))
                    .parse()
                    .unwrap()
            }
            _ => db.app.dunning().run(noon(day)).await.unwrap().recorded,
        };
        if recorded > 0 {
            recorded_on.push((offset, recorded));
        }
    }
    caught_up(&db).await;
    // And the last day is run again, and once more as a retry
    let again = db.app.dunning().run(noon(due + Duration::days(40))).await;
    assert_eq!(again.unwrap().recorded, 0);
    // And a schedule the other tenant sets long after its invoice fell due
    // does not remind of it in a burst: a step is sent at most 14 days late,
    // and its last step's day passed 15 days ago
    let schedule = DunningPolicy {
        steps: [7, 30]
            .map(|days_after_due| DunningStep {
                days_after_due,
                late_fee: None,
            })
            .to_vec(),
    };
    db.app
        .use_cases
        .configure_dunning(&ctx(quiet, "root"), schedule)
        .await
        .unwrap();
    let burst = db.app.dunning().run(noon(due + Duration::days(45))).await;
    assert_eq!(burst.unwrap().recorded, 0);

    // Then reminders were recorded on the schedule's days only: A, B and C's,
    // and those of the invoices that charge A's and C's late fees (issued by
    // a run after the fee's reminder, then reminded of as any invoice is,
    // without a fee of their own)
    assert_eq!(recorded_on[..3], [(-3, 3), (7, 2), (14, 1)]);
    assert!(
        recorded_on[3..]
            .iter()
            .all(|(day, _)| [15, 16, 17, 18, 30].contains(day)),
        "{recorded_on:?}"
    );
    assert_eq!(recorded_on.last(), Some(&(30, 4)));
    let on = |offset: i64| due + Duration::days(offset);
    assert_eq!(
        reminders_of(&db, a).await,
        [(1, on(-3)), (2, on(7)), (3, on(14)), (4, on(30))]
    );
    // None after B was paid
    assert_eq!(reminders_of(&db, b).await, [(1, on(-3)), (2, on(7))]);
    // None while C was disputed; once settled, the latest step due then
    // (not the one missed before it as well)
    assert_eq!(
        reminders_of(&db, c).await,
        [(1, on(-3)), (3, on(16)), (4, on(30))]
    );
    assert_eq!(reminders_of(&db, unreminded).await, []);
    // And A's and C's 14-day reminders each charged 5.00 EUR, invoiced once
    // (one line, with VAT) and e-mailed; the fee invoices charge no fee
    for invoice in [a, c] {
        assert_late_fee_invoiced(&db, t, invoice).await;
    }

    // And each was e-mailed once, in the customer's language, with the PDF
    let statuses: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, count(*) FROM outbox WHERE kind = 'payment_reminder' GROUP BY status",
    )
    .fetch_all(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(statuses, [("SENT".to_owned(), 13)]);
    let emails = mail.emails().await;
    let reminders: Vec<&Value> = emails
        .iter()
        .filter(|e| {
            e["subject"]
                .as_str()
                .unwrap()
                .starts_with("Zahlungserinnerung")
        })
        .collect();
    assert_eq!(reminders.len(), 13, "{emails:#?}");
    assert_eq!(
        emails.len(),
        3 + 2 + 13,
        "three invoices, two late-fee invoices and thirteen reminders"
    );
    let number_a = number_of(&db, a).await;
    let of_a: Vec<&&Value> = reminders
        .iter()
        .filter(|e| e["subject"].as_str().unwrap().contains(&number_a))
        .collect();
    assert_eq!(of_a.len(), 4);
    for email in &of_a {
        assert_eq!(email["to"][0]["address"], "ap@acme.example");
        let attachment = &email["attachments"][0];
        let pdf = mail
            .attachment(
                email["id"].as_str().unwrap(),
                attachment["generatedFileName"].as_str().unwrap(),
            )
            .await;
        let sha: String = Sha256::digest(&pdf)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(sha, archived_sha256(&db, a).await);
    }
    let texts: Vec<&str> = of_a.iter().map(|e| e["text"].as_str().unwrap()).collect();
    assert_eq!(
        texts.iter().filter(|t| t.contains("fällig wird")).count(),
        1,
        "one before the due date: {texts:#?}"
    );
    assert_eq!(texts.iter().filter(|t| t.contains("noch offen")).count(), 3);
    // The 14-day reminder names its fee; the others charge none
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("eine Mahngebühr von 5,00 EUR"))
            .count(),
        1,
        "{texts:#?}"
    );

    // And the invoices show where they stand
    let read = server
        .ok(&accountant, DUNNING, json!({"id": a.0.to_string()}))
        .await;
    assert_eq!(
        read["invoice"]["dunning"],
        json!({"remindersSent": 4, "lastRemindedOn": on(30).to_string(),
               "disputedOn": null, "disputeReason": null})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dispute_is_refused_twice_and_a_resolution_needs_one() {
    // Given folio serve and an issued invoice
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let buyer = customer(&db.app, t, "Acme GmbH").await;
    let invoice = issued_invoice(&db.app, t, buyer, 1).await;
    let accountant = server.token(t, "alice", Role::Accountant);
    let id = json!({"id": invoice.0.to_string()});

    // When it is settled with no dispute open, it is refused and nothing changes
    let refused = server.gql(&accountant, RESOLVE, id.clone()).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "CONFLICT",
        "{refused}"
    );
    // When a dispute gives no reason, it is refused as invalid
    let blank = server
        .gql(
            &accountant,
            "mutation($id: ID!) { disputeInvoice(idempotencyKey: \"blank\", invoiceId: $id, reason: \" \") { version } }",
            id.clone(),
        )
        .await;
    assert_eq!(
        blank["errors"][0]["extensions"]["code"], "VALIDATION",
        "{blank}"
    );
    // When the customer disputes it
    server.ok(&accountant, DISPUTE, id.clone()).await;
    // Then the invoice shows the dispute
    let read = support::eventually("the dispute is read", || async {
        let read = server.ok(&accountant, DUNNING, id.clone()).await;
        (!read["invoice"]["dunning"]["disputedOn"].is_null()).then_some(read)
    })
    .await;
    assert_eq!(
        read["invoice"]["dunning"]["disputeReason"],
        "Hours billed twice"
    );
    // And a second dispute is refused as a conflict
    let twice = server
        .gql(
            &accountant,
            "mutation($id: ID!) { disputeInvoice(idempotencyKey: \"again\", invoiceId: $id, reason: \"More\") { version } }",
            id.clone(),
        )
        .await;
    assert_eq!(
        twice["errors"][0]["extensions"]["code"], "CONFLICT",
        "{twice}"
    );
    assert!(
        twice["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("disputed already"),
        "{twice}"
    );
}
