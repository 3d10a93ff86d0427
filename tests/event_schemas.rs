//! Every event type and version has a JSON Schema under `schemas/events/`, the
//! committed schemas match the code, and every variant's stored JSON validates.
//!
//! Regenerate after changing an event: `FOLIO_WRITE_SCHEMAS=1 cargo test --test event_schemas`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{NaiveDate, TimeZone, Utc};
use cqrs_es::DomainEvent;
use folio_domain::adjustment::{
    AdjustmentKind, AdjustmentSize, DocumentAdjustment, IssuedAdjustment,
};
use folio_domain::customer::{ContactDetails, CustomerEvent, TaxDetails};
use folio_domain::directory::{
    ApprovalRouting, DirectoryPolicy, Enrollment, Role, TenantEvent, UserEvent,
};
use folio_domain::document_number::DocumentNumber;
use folio_domain::exchange::{AccountingTotals, DatedRate, ExchangeRate};
use folio_domain::expense::{ExpenseDetails, ExpenseEvent, ExpensePolicy, PolicyViolation};
use folio_domain::ids::*;
use folio_domain::invoice::{
    ArchivedFile, ArchivedFormat, CfdiCancellationReceipt, CfdiCancellationRefusal,
    CfdiCancellationRequest, CfdiFile, CfdiRejection, CfdiSeal, CfdiStamp, CreditedLine, Delivery,
    DisputeResolved, Disputed, DocumentOfInvoice, DueTerms, InvoiceEvent, IssuedLine,
    PaymentMethod, ReminderSent, SatCancellationReason, Settlement,
};
use folio_domain::legal_profile::{BankAccount, LegalProfile, PostalAddress};
use folio_domain::money::{Currency, Money};
use folio_domain::personal_data::{self, SealedBox, SealedPersonalData};
use folio_domain::pricing::{price_document, Discount, LineItem, PriceBasis, RoundingPolicy};
use folio_domain::rate_table::{RateTableEvent, RateTableKey};
use folio_domain::sat::{
    CfdiParties, InstalledCsd, SatIssuer, SatLineKeys, SatPaymentMethod, SatPaymentTerms,
    SatReceiver,
};
use folio_domain::settings::{InvoicingPolicy, Jurisdiction, SettingsEvent};
use folio_domain::tax::{TaxRate, TaxTreatment};
use folio_domain::versions::{current_version, upcast};
use folio_domain::webhook::WebhookEvent;
use rust_decimal::Decimal;
use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{json, Value};
use strum::VariantNames;
use uuid::Uuid;

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas/events")
}

/// One schema document per variant of `E` at its current version, keyed by file name.
fn schemas_of<E: JsonSchema + VariantNames>(aggregate: &str) -> BTreeMap<String, Value> {
    let generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let root = generator.into_root_schema_for::<E>().to_value();
    let defs = root.get("$defs").cloned().unwrap_or_else(|| json!({}));
    let variants = root["oneOf"]
        .as_array()
        .expect("an externally tagged enum is a oneOf");
    let mut files = BTreeMap::new();
    for variant in variants {
        let name = variant["required"][0]
            .as_str()
            .expect("one required key: the variant name")
            .to_owned();
        let version = current_version(&name);
        let mut doc = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": format!("https://folio.example/schemas/events/{aggregate}/{name}.v{version}.json"),
            "title": format!("{aggregate}.{name} v{version}"),
            "x-aggregate-type": aggregate,
            "x-event-type": name,
            "x-event-version": version,
        });
        for (key, value) in variant.as_object().expect("object") {
            doc[key] = value.clone();
        }
        doc["$defs"] = defs.clone();
        mark_personal_fields(&mut doc, &name);
        files.insert(format!("{aggregate}/{name}.v{version}.json"), doc);
    }
    assert_eq!(
        files.len(),
        E::VARIANTS.len(),
        "{aggregate}: one schema per variant"
    );
    files
}

/// In the stored shape a personal field is either plaintext (written before
/// sealing) or a sealed envelope (see `folio_domain::personal_data`).
fn mark_personal_fields(doc: &mut Value, event_type: &str) {
    let fields = personal_data::in_event(event_type);
    if fields.is_empty() {
        return;
    }
    for field in fields {
        let path: String = field
            .pointer
            .split('/')
            .skip(1)
            .map(|part| format!("/properties/{part}"))
            .collect();
        let slot = doc
            .pointer_mut(&path)
            .expect("the personal field is in the schema");
        let description = slot.as_object_mut().unwrap().remove("description");
        let plain = slot.take();
        *slot = json!({"anyOf": [plain, {"$ref": "#/$defs/SealedPersonalData"}]});
        if let Some(description) = description {
            slot["description"] = json!(format!(
                "{} Personal data: sealed when stored.",
                description.as_str().unwrap()
            ));
        }
    }
    let mut sealed = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<SealedPersonalData>()
        .to_value();
    let sealed_defs = sealed.as_object_mut().unwrap().remove("$defs").unwrap();
    sealed.as_object_mut().unwrap().remove("$schema");
    doc["$defs"]["SealedPersonalData"] = sealed;
    for (name, def) in sealed_defs.as_object().unwrap() {
        doc["$defs"][name] = def.clone();
    }
}

fn all_schemas() -> BTreeMap<String, Value> {
    let mut all = BTreeMap::new();
    all.extend(schemas_of::<CustomerEvent>("Customer"));
    all.extend(schemas_of::<InvoiceEvent>("Invoice"));
    all.extend(schemas_of::<ExpenseEvent>("Expense"));
    all.extend(schemas_of::<SettingsEvent>("TenantSettings"));
    all.extend(schemas_of::<TenantEvent>("Tenant"));
    all.extend(schemas_of::<UserEvent>("User"));
    all.extend(schemas_of::<RateTableEvent>("ExchangeRateTable"));
    all.extend(schemas_of::<WebhookEvent>("WebhookEndpoint"));
    all
}

#[test]
fn committed_schemas_match_the_code() {
    let generated = all_schemas();
    if std::env::var_os("FOLIO_WRITE_SCHEMAS").is_some() {
        for (file, doc) in &generated {
            let path = schema_dir().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap() + "\n").unwrap();
        }
    }
    let mut drift = Vec::new();
    for (file, doc) in &generated {
        match std::fs::read_to_string(schema_dir().join(file)) {
            Ok(text) if serde_json::from_str::<Value>(&text).ok().as_ref() == Some(doc) => {}
            Ok(_) => drift.push(format!("{file} differs from the code")),
            Err(_) => drift.push(format!("{file} is missing")),
        }
    }
    assert!(
        drift.is_empty(),
        "schemas/events drifted (rerun with FOLIO_WRITE_SCHEMAS=1):\n{}",
        drift.join("\n")
    );
}

fn eur(amount: i64) -> Money {
    Money::new(Decimal::new(amount, 2), Currency::from_code("EUR").unwrap())
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
}

/// A rate from EUR into USD books, of [`day`].
fn into_dollars(rate: Decimal) -> DatedRate {
    DatedRate {
        rate: ExchangeRate {
            to: Currency::from_code("USD").unwrap(),
            rate,
            source: Some("ECB reference rate".into()),
        },
        date: day(),
    }
}

fn sat_issuer() -> SatIssuer {
    SatIssuer {
        rfc: "AAA010101AAA".into(),
        name: "ACCEM SERVICIOS EMPRESARIALES".into(),
        tax_regime: "601".into(),
        postal_code: "06600".into(),
    }
}

fn item() -> LineItem {
    LineItem {
        description: "Consulting".into(),
        quantity: Decimal::from(3),
        unit_price: Decimal::new(12_345, 2),
        discount: Some(Discount::Percent {
            percent: Decimal::from(5),
        }),
        taxes: vec![
            TaxRate {
                code: "IVA".into(),
                percent: Decimal::from(16),
                treatment: TaxTreatment::Standard,
                category: None,
                exemption: None,
            },
            TaxRate {
                code: "ISR".into(),
                percent: Decimal::from(10),
                treatment: TaxTreatment::Withholding,
                category: None,
                exemption: None,
            },
        ],
        price_basis: Default::default(),
        sat: None,
    }
}

fn details() -> ExpenseDetails {
    ExpenseDetails {
        incurred_on: day(),
        merchant: "DB".into(),
        category: "travel".into(),
        amount: eur(8_990),
        tax: Some(eur(1_435)),
        description: "Train".into(),
        receipt_ref: None,
        exchange_rate: Some(folio_domain::exchange::ExchangeRate {
            to: Currency::from_code("USD").unwrap(),
            rate: rust_decimal::Decimal::new(108, 2),
            source: Some("card statement".into()),
        }),
    }
}

/// A 2% rebate at the IVA rate of [`item`], with its reason as a code. The
/// domain asks an adjustment's tax for its VAT category; the sample keeps the
/// item's tax as it is, so that the rebate lowers the same rate's base.
fn rebate() -> DocumentAdjustment {
    DocumentAdjustment {
        kind: AdjustmentKind::Allowance,
        size: AdjustmentSize::Percent {
            percent: Decimal::from(2),
        },
        reason: Some("Volume rebate".into()),
        reason_code: Some("95".into()),
        tax: item().taxes[0].clone(),
    }
}

/// One example of every variant, as the store would hold it.
fn samples() -> Vec<(&'static str, String, String, Value)> {
    let id = |n: u128| Uuid::from_u128(n);
    let eur_currency = Currency::from_code("EUR").unwrap();
    let plain = price_document([&item()], [], eur_currency, RoundingPolicy::default());
    let (priced, totals) = (plain.lines, plain.totals);
    let rebate = rebate();
    let rebated = price_document(
        [&item()],
        [&rebate],
        eur_currency,
        RoundingPolicy::default(),
    );
    let number = DocumentNumber {
        series: "A".into(),
        sequence: 7,
    };
    let contact = ContactDetails {
        name: "Acme".into(),
        email: Some("ap@acme.example".into()),
        phone: None,
        address: None,
    };
    let tax = TaxDetails {
        tax_id: None,
        country: "DE".into(),
        default_currency: Currency::from_code("EUR").unwrap(),
        payment_terms_days: 30,
        sat: None,
    };
    let mut out = Vec::new();
    fn push<E: DomainEvent>(
        out: &mut Vec<(&'static str, String, String, Value)>,
        aggregate: &'static str,
        events: Vec<E>,
    ) {
        for e in events {
            out.push((
                aggregate,
                e.event_type(),
                e.event_version(),
                serde_json::to_value(&e).unwrap(),
            ));
        }
    }
    push(
        &mut out,
        "Customer",
        vec![
            CustomerEvent::CustomerRegistered {
                tenant_id: TenantId(id(1)),
                customer_id: CustomerId(id(2)),
                contact: contact.clone(),
                tax: tax.clone(),
            },
            CustomerEvent::CustomerContactUpdated { contact },
            CustomerEvent::CustomerTaxDetailsUpdated { tax },
            CustomerEvent::CustomerTaxDetailsUpdated {
                tax: TaxDetails {
                    tax_id: Some("EKU9003173C9".into()),
                    country: "MX".into(),
                    default_currency: Currency::from_code("MXN").unwrap(),
                    payment_terms_days: 30,
                    sat: Some(SatReceiver {
                        tax_regime: "601".into(),
                        postal_code: "06600".into(),
                        cfdi_use: "G03".into(),
                    }),
                },
            },
            CustomerEvent::CustomerArchived {
                reason: "merged".into(),
            },
            CustomerEvent::CustomerPersonalDataErased {
                reason: "GDPR request 42".into(),
            },
        ],
    );
    push(
        &mut out,
        "Invoice",
        vec![
            InvoiceEvent::DraftCreated {
                tenant_id: TenantId(id(1)),
                invoice_id: InvoiceId(id(3)),
                customer_id: CustomerId(id(2)),
                currency: Currency::from_code("EUR").unwrap(),
                due_terms: DueTerms::NetDays { days: 30 },
                notes: None,
                price_basis: PriceBasis::Gross,
            },
            InvoiceEvent::LineAdded {
                line_id: LineId(id(4)),
                item: item(),
            },
            InvoiceEvent::LineChanged {
                line_id: LineId(id(4)),
                item: LineItem {
                    discount: Some(Discount::Amount {
                        amount: Decimal::from(5),
                    }),
                    ..item()
                },
            },
            InvoiceEvent::LineRemoved {
                line_id: LineId(id(4)),
            },
            InvoiceEvent::DocumentAdjustmentAdded {
                adjustment_id: AdjustmentId(id(14)),
                adjustment: rebate.clone(),
            },
            InvoiceEvent::DocumentAdjustmentRemoved {
                adjustment_id: AdjustmentId(id(14)),
            },
            InvoiceEvent::DraftTermsUpdated {
                due_terms: DueTerms::OnDate { date: day() },
                notes: Some("PO 1".into()),
            },
            InvoiceEvent::CfdiTermsSet {
                terms: SatPaymentTerms {
                    payment_method: SatPaymentMethod::Pue,
                    payment_form: "03".into(),
                    cfdi_use: Some("G03".into()),
                },
            },
            InvoiceEvent::InvoiceIssued {
                number: number.clone(),
                issue_date: day(),
                due_date: day(),
                rounding: RoundingPolicy::default(),
                lines: vec![IssuedLine {
                    line_id: LineId(id(4)),
                    item: item(),
                    priced: priced[0].clone(),
                }],
                adjustments: Vec::new(),
                totals: totals.clone(),
                prepaid: None,
                accounting: None,
                cfdi: None,
            },
            InvoiceEvent::InvoiceIssued {
                number: number.clone(),
                issue_date: day(),
                due_date: day(),
                rounding: RoundingPolicy::default(),
                lines: vec![IssuedLine {
                    line_id: LineId(id(4)),
                    item: LineItem {
                        sat: Some(SatLineKeys {
                            product_key: "84111506".into(),
                            unit_key: "E48".into(),
                            tax_object: None,
                        }),
                        ..item()
                    },
                    priced: priced[0].clone(),
                }],
                adjustments: Vec::new(),
                totals: totals.clone(),
                prepaid: None,
                accounting: None,
                cfdi: Some(Box::new(CfdiParties {
                    issuer: sat_issuer(),
                    receiver_rfc: "EKU9003173C9".into(),
                    receiver: SatReceiver {
                        tax_regime: "601".into(),
                        postal_code: "06600".into(),
                        cfdi_use: "G03".into(),
                    },
                    payment: SatPaymentTerms::default(),
                })),
            },
            InvoiceEvent::InvoiceIssued {
                number: number.clone(),
                issue_date: day(),
                due_date: day(),
                rounding: RoundingPolicy::default(),
                lines: vec![IssuedLine {
                    line_id: LineId(id(4)),
                    item: item(),
                    priced: rebated.lines[0].clone(),
                }],
                adjustments: vec![IssuedAdjustment {
                    adjustment_id: AdjustmentId(id(14)),
                    adjustment: rebate.clone(),
                    priced: rebated.adjustments[0].clone(),
                }],
                totals: rebated.totals.clone(),
                prepaid: Some(Decimal::new(10_000, 2)),
                accounting: Some(AccountingTotals::of(
                    into_dollars(Decimal::new(10_842, 4)),
                    &rebated.totals,
                )),
                cfdi: None,
            },
            InvoiceEvent::InvoiceSent {
                sent_at: Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap(),
                recipients: vec!["ap@acme.example".into(), "cfo@acme.example".into()],
                delivery: Delivery::Email,
            },
            InvoiceEvent::PaymentRecorded {
                payment_id: PaymentId(id(5)),
                amount: eur(1_000),
                received_on: day(),
                method: PaymentMethod::BankTransfer,
                reference: Some("SEPA".into()),
                amount_due_after: Decimal::new(5_000, 2),
                credit_after: Decimal::ZERO,
                booking: None,
            },
            InvoiceEvent::PaymentRecorded {
                payment_id: PaymentId(id(8)),
                amount: eur(6_000),
                received_on: day(),
                method: PaymentMethod::Card,
                reference: None,
                amount_due_after: Decimal::ZERO,
                credit_after: Decimal::new(1_000, 2),
                booking: Some(Settlement {
                    exchange_rate: into_dollars(Decimal::new(10_910, 4)),
                    settled: Decimal::new(5_000, 2),
                    booked: Decimal::new(5_421, 2),
                    received: Decimal::new(5_455, 2),
                }),
            },
            InvoiceEvent::ExchangeDifferenceRealised {
                payment_id: PaymentId(id(8)),
                refund_id: None,
                on: day(),
                settled: eur(5_000),
                booked_rate: Decimal::new(10_842, 4),
                payment_rate: Decimal::new(10_910, 4),
                difference: Money::new(Decimal::new(34, 2), Currency::from_code("USD").unwrap()),
            },
            InvoiceEvent::ExchangeDifferenceRealised {
                payment_id: PaymentId(id(8)),
                refund_id: Some(RefundId(id(6))),
                on: day(),
                settled: eur(1_000),
                booked_rate: Decimal::new(10_842, 4),
                payment_rate: Decimal::new(10_910, 4),
                difference: Money::new(Decimal::new(-7, 2), Currency::from_code("USD").unwrap()),
            },
            InvoiceEvent::PaymentRefunded {
                refund_id: RefundId(id(6)),
                payment_id: PaymentId(id(5)),
                amount: eur(500),
                refunded_on: day(),
                reason: "x".into(),
                amount_due_after: Decimal::ZERO,
                credit_after: Decimal::new(500, 2),
                booking: None,
            },
            InvoiceEvent::CreditNoteIssued {
                credit_note_id: CreditNoteId(id(7)),
                number: DocumentNumber {
                    series: "CN".into(),
                    sequence: 1,
                },
                issue_date: day(),
                reason: "x".into(),
                totals,
                lines: vec![CreditedLine {
                    line_id: LineId(id(4)),
                    quantity: Decimal::ONE,
                    net_amount: Decimal::new(1_000, 2),
                    tax_amount: Decimal::new(190, 2),
                }],
                amount_due_after: Decimal::ZERO,
                credit_after: Decimal::new(1_190, 2),
                accounting: None,
            },
            InvoiceEvent::CreditTransferred {
                transfer_id: CreditTransferId(id(9)),
                to_invoice: InvoiceId(id(10)),
                amount: eur(500),
                transferred_on: day(),
                amount_due_after: Decimal::ZERO,
                credit_after: Decimal::new(690, 2),
                booked: Some(Decimal::new(542, 2)),
            },
            InvoiceEvent::CreditApplied {
                transfer_id: CreditTransferId(id(11)),
                from_invoice: InvoiceId(id(10)),
                amount: eur(300),
                applied_on: day(),
                amount_due_after: Decimal::ZERO,
                credit_after: Decimal::ZERO,
                booking: Some(Settlement {
                    exchange_rate: DatedRate {
                        rate: ExchangeRate {
                            to: Currency::from_code("USD").unwrap(),
                            rate: Decimal::new(10_842, 4),
                            source: None,
                        },
                        date: day(),
                    },
                    settled: Decimal::new(300, 2),
                    booked: Decimal::new(330, 2),
                    received: Decimal::new(325, 2),
                }),
            },
            InvoiceEvent::CreditExchangeDifferenceRealised {
                transfer_id: CreditTransferId(id(11)),
                from_invoice: InvoiceId(id(10)),
                on: day(),
                settled: eur(300),
                booked_rate: Decimal::new(11_000, 4),
                credit_rate: Decimal::new(10_842, 4),
                difference: Money::new(Decimal::new(-5, 2), Currency::from_code("USD").unwrap()),
            },
            InvoiceEvent::CreditReturned {
                transfer_id: CreditTransferId(id(9)),
                amount: eur(500),
                returned_on: day(),
                amount_due_after: Decimal::ZERO,
                credit_after: Decimal::new(1_190, 2),
                booked: Some(Decimal::new(542, 2)),
            },
            InvoiceEvent::InvoiceVoided {
                reason: "wrong customer".into(),
                voided_on: day(),
            },
            InvoiceEvent::InvoiceCancelled {
                reason: "wrong RFC".into(),
                cancelled_on: day(),
                sat_reason: SatCancellationReason::ErrorsWithReplacement,
                replaced_by: Some(InvoiceId(id(4))),
            },
            InvoiceEvent::PaymentReminderSent(ReminderSent {
                step: 2,
                reminded_on: day(),
                days_after_due: 7,
                amount_due: eur(11_900),
                late_fee: Some(folio_domain::dunning::ChargedFee {
                    amount: eur(500),
                    tax_rate_key: "not-subject".into(),
                }),
                recipients: vec!["ap@acme.example".into()],
            }),
            InvoiceEvent::InvoiceDisputed(Disputed {
                reason: "hours billed twice".into(),
                disputed_on: day(),
            }),
            InvoiceEvent::DisputeResolved(DisputeResolved {
                resolution: None,
                resolved_on: day(),
            }),
            InvoiceEvent::DocumentArchived {
                document: DocumentOfInvoice::CreditNote {
                    credit_note_id: CreditNoteId(id(5)),
                },
                files: vec![ArchivedFile {
                    format: ArchivedFormat::FacturX,
                    sha256: "ab".repeat(32),
                    size_bytes: 43_973,
                    content_type: "application/pdf".into(),
                }],
                archived_at: chrono::DateTime::parse_from_rfc3339("2026-12-06T10:00:00Z")
                    .unwrap()
                    .with_timezone(&chrono::Utc),
            },
            InvoiceEvent::DocumentArchived {
                document: DocumentOfInvoice::PaymentComplement {
                    payment_id: PaymentId(id(5)),
                },
                files: vec![ArchivedFile {
                    format: ArchivedFormat::Cfdi,
                    sha256: "2d".repeat(32),
                    size_bytes: 4_480,
                    content_type: "application/xml".into(),
                }],
                archived_at: Utc.with_ymd_and_hms(2026, 12, 8, 9, 0, 5).unwrap(),
            },
            InvoiceEvent::CfdiSealed(CfdiSeal {
                sealed_at: Utc.with_ymd_and_hms(2026, 12, 7, 16, 0, 0).unwrap(),
                certificate_number: "30001000000500003416".into(),
                xml: CfdiFile {
                    sha256: "cd".repeat(32),
                    size_bytes: 4_210,
                },
            }),
            InvoiceEvent::CfdiStamped(CfdiStamp {
                uuid: id(12),
                stamped_on: day().and_hms_opt(10, 0, 3).unwrap(),
                pac_rfc: "SPR190613I52".into(),
                sat_certificate_number: "30001000000500003456".into(),
                cfd_seal: "c2VsbG8gQ0ZE".into(),
                sat_seal: "c2VsbG8gU0FU".into(),
                xml: CfdiFile {
                    sha256: "ef".repeat(32),
                    size_bytes: 5_377,
                },
                recorded_at: Utc.with_ymd_and_hms(2026, 12, 7, 16, 0, 4).unwrap(),
            }),
            InvoiceEvent::CfdiStampRejected(CfdiRejection {
                code: "CFDI40145".into(),
                message: "El campo Nombre del receptor no pertenece al RFC.".into(),
                rejected_at: Utc.with_ymd_and_hms(2026, 12, 7, 16, 0, 4).unwrap(),
            }),
            InvoiceEvent::CfdiStampRequested {
                requested_at: Utc.with_ymd_and_hms(2026, 12, 7, 17, 0, 0).unwrap(),
            },
            InvoiceEvent::PaymentComplementIssued {
                payment_id: PaymentId(id(5)),
                number: DocumentNumber {
                    series: "P".into(),
                    sequence: 1,
                },
                issue_date: day(),
            },
            InvoiceEvent::PaymentComplementSealed {
                payment_id: PaymentId(id(5)),
                seal: CfdiSeal {
                    sealed_at: Utc.with_ymd_and_hms(2026, 12, 8, 9, 0, 0).unwrap(),
                    certificate_number: "30001000000500003416".into(),
                    xml: CfdiFile {
                        sha256: "1c".repeat(32),
                        size_bytes: 3_120,
                    },
                },
            },
            InvoiceEvent::PaymentComplementStamped {
                payment_id: PaymentId(id(5)),
                stamp: CfdiStamp {
                    uuid: id(14),
                    stamped_on: day().and_hms_opt(3, 0, 2).unwrap(),
                    pac_rfc: "SPR190613I52".into(),
                    sat_certificate_number: "30001000000500003456".into(),
                    cfd_seal: "c2VsbG8gQ0ZE".into(),
                    sat_seal: "c2VsbG8gU0FU".into(),
                    xml: CfdiFile {
                        sha256: "2d".repeat(32),
                        size_bytes: 4_480,
                    },
                    recorded_at: Utc.with_ymd_and_hms(2026, 12, 8, 9, 0, 3).unwrap(),
                },
            },
            InvoiceEvent::PaymentComplementRejected {
                payment_id: PaymentId(id(5)),
                rejection: CfdiRejection {
                    code: "CRP20101".into(),
                    message: "FormaDePagoP no contiene un valor del catálogo.".into(),
                    rejected_at: Utc.with_ymd_and_hms(2026, 12, 8, 9, 0, 3).unwrap(),
                },
            },
            InvoiceEvent::PaymentComplementRequested {
                payment_id: PaymentId(id(5)),
                requested_at: Utc.with_ymd_and_hms(2026, 12, 8, 10, 0, 0).unwrap(),
            },
            InvoiceEvent::CreditNoteCfdiSealed {
                credit_note_id: CreditNoteId(id(5)),
                seal: CfdiSeal {
                    sealed_at: Utc.with_ymd_and_hms(2026, 12, 9, 9, 0, 0).unwrap(),
                    certificate_number: "30001000000500003416".into(),
                    xml: CfdiFile {
                        sha256: "3e".repeat(32),
                        size_bytes: 3_874,
                    },
                },
            },
            InvoiceEvent::CreditNoteCfdiStamped {
                credit_note_id: CreditNoteId(id(5)),
                stamp: CfdiStamp {
                    uuid: id(15),
                    stamped_on: day().and_hms_opt(3, 0, 2).unwrap(),
                    pac_rfc: "SPR190613I52".into(),
                    sat_certificate_number: "30001000000500003456".into(),
                    cfd_seal: "c2VsbG8gQ0ZE".into(),
                    sat_seal: "c2VsbG8gU0FU".into(),
                    xml: CfdiFile {
                        sha256: "4f".repeat(32),
                        size_bytes: 5_010,
                    },
                    recorded_at: Utc.with_ymd_and_hms(2026, 12, 9, 9, 0, 3).unwrap(),
                },
            },
            InvoiceEvent::CreditNoteCfdiRejected {
                credit_note_id: CreditNoteId(id(5)),
                rejection: CfdiRejection {
                    code: "CFDI40161".into(),
                    message: "El valor del campo Importe no es válido.".into(),
                    rejected_at: Utc.with_ymd_and_hms(2026, 12, 9, 9, 0, 3).unwrap(),
                },
            },
            InvoiceEvent::CreditNoteCfdiRequested {
                credit_note_id: CreditNoteId(id(5)),
                requested_at: Utc.with_ymd_and_hms(2026, 12, 9, 10, 0, 0).unwrap(),
            },
            InvoiceEvent::CfdiCancellationRequested(CfdiCancellationRequest {
                reason: "the receiver's RFC was wrong".into(),
                sat_reason: SatCancellationReason::ErrorsWithReplacement,
                replaced_by: Some(InvoiceId(id(4))),
                replacement_uuid: Some(id(13)),
                requested_on: day(),
            }),
            InvoiceEvent::CfdiCancellationSubmitted(CfdiCancellationReceipt {
                acuse: CfdiFile {
                    sha256: "0a".repeat(32),
                    size_bytes: 389,
                },
                status_code: "201".into(),
                received_at: Utc.with_ymd_and_hms(2026, 12, 7, 18, 0, 0).unwrap(),
            }),
            InvoiceEvent::CfdiCancellationRefused(CfdiCancellationRefusal {
                code: "RECEIVER_REFUSED".into(),
                message: "Solicitud rechazada".into(),
                refused_at: Utc.with_ymd_and_hms(2026, 12, 8, 18, 0, 0).unwrap(),
            }),
        ],
    );
    let violation = PolicyViolation::ReceiptMissing {
        required_above: eur(2_500),
    };
    push(
        &mut out,
        "Expense",
        vec![
            ExpenseEvent::ExpenseSubmitted {
                tenant_id: TenantId(id(1)),
                expense_id: ExpenseId(id(8)),
                employee_id: UserId::new("emp-1"),
                details: details(),
                approvals_required: 1,
                policy_violations: vec![violation.clone()],
            },
            ExpenseEvent::ExpenseApprovalGiven {
                approver_id: UserId::new("mgr-1"),
                at: Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
                comment: None,
                approvals_so_far: 1,
                approvals_required: 1,
            },
            ExpenseEvent::ExpenseApproved {
                approver_id: UserId::new("mgr-1"),
            },
            ExpenseEvent::ExpenseRejected {
                approver_id: UserId::new("mgr-1"),
                reason: "no".into(),
            },
            ExpenseEvent::ExpenseReturned {
                approver_id: UserId::new("mgr-1"),
                reason: "receipt".into(),
            },
            ExpenseEvent::ExpenseAmended {
                details: details(),
                approvals_required: 1,
                policy_violations: vec![PolicyViolation::PossibleDuplicate {
                    expense_ids: vec![ExpenseId(id(9))],
                }],
            },
            ExpenseEvent::ExpenseReimbursed {
                batch_reference: "B-1".into(),
                reimbursed_on: day(),
                amount: eur(8_990),
            },
        ],
    );
    push(
        &mut out,
        "TenantSettings",
        vec![
            SettingsEvent::InvoicingConfigured {
                tenant_id: TenantId(id(1)),
                policy: InvoicingPolicy::default(),
            },
            SettingsEvent::ExpensePolicyConfigured {
                tenant_id: TenantId(id(1)),
                policy: ExpensePolicy::default(),
            },
            SettingsEvent::JurisdictionConfigured {
                tenant_id: TenantId(id(1)),
                jurisdiction: Jurisdiction::Mx,
                rounding: Jurisdiction::Mx.required_rounding().unwrap(),
            },
            SettingsEvent::TimezoneConfigured {
                tenant_id: TenantId(id(1)),
                timezone: "America/Mexico_City".into(),
            },
            SettingsEvent::LegalProfileConfigured {
                tenant_id: TenantId(id(1)),
                profile: Box::new(LegalProfile {
                    legal_name: "Muster GmbH".into(),
                    trading_name: None,
                    address: PostalAddress {
                        lines: vec!["Hauptstraße 1".into()],
                        city: "München".into(),
                        postal_code: Some("80331".into()),
                        subdivision: None,
                        country: "DE".into(),
                    },
                    vat_id: Some("DE136695976".into()),
                    tax_registration_id: None,
                    company_id: Some("HRB 12345".into()),
                    email: Some("billing@muster.example".into()),
                    phone: None,
                    bank_account: Some(BankAccount {
                        iban: "DE89370400440532013000".into(),
                        bic: Some("COBADEFFXXX".into()),
                        account_name: None,
                    }),
                }),
            },
            SettingsEvent::LogoConfigured {
                tenant_id: TenantId(id(1)),
                logo: Some(folio_domain::branding::TenantLogo {
                    sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                        .into(),
                    content_type: "image/png".into(),
                    width_px: 300,
                    height_px: 100,
                }),
            },
            SettingsEvent::DunningConfigured {
                tenant_id: TenantId(id(1)),
                policy: folio_domain::dunning::DunningPolicy {
                    steps: vec![
                        folio_domain::dunning::DunningStep {
                            days_after_due: -3,
                            late_fee: None,
                        },
                        folio_domain::dunning::DunningStep {
                            days_after_due: 14,
                            late_fee: Some(folio_domain::dunning::LateFeeRule {
                                fee: folio_domain::dunning::LateFee::Fixed { amount: eur(500) },
                                tax_rate_key: "not-subject".into(),
                            }),
                        },
                    ],
                },
            },
            SettingsEvent::MailConfigured {
                tenant_id: TenantId(id(1)),
                mail: folio_domain::mail_settings::MailSettings {
                    sender_name: Some("Muster Billing".into()),
                    reply_to: Some("ar@muster.example".into()),
                    copy_to: None,
                    attach_e_invoice: true,
                },
            },
            SettingsEvent::TaxRatesConfigured {
                tenant_id: TenantId(id(1)),
                rates: vec![folio_domain::tax_catalogue::CatalogueRate {
                    key: "iva-16".into(),
                    name: "IVA 16%".into(),
                    tax: item().taxes[0].clone(),
                }],
            },
            SettingsEvent::AccountingCurrencyConfigured {
                tenant_id: TenantId(id(1)),
                currency: Currency::from_code("EUR").unwrap(),
            },
            SettingsEvent::SatIssuerConfigured {
                tenant_id: TenantId(id(1)),
                issuer: sat_issuer(),
            },
            SettingsEvent::CsdInstalled {
                tenant_id: TenantId(id(1)),
                certificate: InstalledCsd {
                    certificate_number: "30001000000300023708".into(),
                    holder_rfc: "AAA010101AAA".into(),
                    valid_from: Utc.with_ymd_and_hms(2021, 12, 7, 0, 0, 1).unwrap(),
                    valid_until: Utc.with_ymd_and_hms(2028, 12, 7, 0, 0, 1).unwrap(),
                },
            },
        ],
    );
    let usd_eur = RateTableKey {
        tenant_id: TenantId(id(1)),
        from: Currency::from_code("USD").unwrap(),
        to: Currency::from_code("EUR").unwrap(),
    };
    push(
        &mut out,
        "ExchangeRateTable",
        vec![
            RateTableEvent::ExchangeRateRecorded {
                table: usd_eur,
                date: day(),
                rate: Decimal::new(9_215, 4),
                source: Some("ECB reference rate".into()),
                replaced: None,
            },
            RateTableEvent::ExchangeRateRecorded {
                table: usd_eur,
                date: day(),
                rate: Decimal::new(9_230, 4),
                source: None,
                replaced: Some(Decimal::new(9_215, 4)),
            },
        ],
    );
    push(
        &mut out,
        "WebhookEndpoint",
        vec![
            WebhookEvent::WebhookEndpointRegistered {
                tenant_id: TenantId(id(1)),
                endpoint_id: WebhookEndpointId(id(3)),
                url: "https://erp.example/hooks".into(),
                event_types: vec!["invoice.issued".into()],
                description: Some("ERP".into()),
            },
            WebhookEvent::WebhookEndpointChanged {
                url: "https://erp.example/folio".into(),
                event_types: vec![],
                description: None,
            },
            WebhookEvent::WebhookSecretRotated {
                secret_version: 2,
                previous_valid_until: "2026-12-08T10:00:00Z".parse().unwrap(),
            },
            WebhookEvent::WebhookEndpointDisabled {
                reason: "failing for 5 days".into(),
                automatic: true,
            },
            WebhookEvent::WebhookEndpointEnabled {},
            WebhookEvent::WebhookEndpointDeleted {},
        ],
    );
    let policy = DirectoryPolicy {
        enrollment: Enrollment::InviteOnly,
        approval_routing: ApprovalRouting::EmployeesManager,
    };
    push(
        &mut out,
        "Tenant",
        vec![
            TenantEvent::TenantCreated {
                tenant_id: TenantId(id(1)),
                name: "Acme".into(),
                policy,
            },
            TenantEvent::DirectoryConfigured {
                tenant_id: TenantId(id(1)),
                policy: DirectoryPolicy::default(),
            },
            TenantEvent::AdminAppointed {
                tenant_id: TenantId(id(1)),
                subject: UserId::new("ana"),
            },
            TenantEvent::AdminDismissed {
                tenant_id: TenantId(id(1)),
                subject: UserId::new("ana"),
            },
        ],
    );
    push(
        &mut out,
        "User",
        vec![
            UserEvent::UserInvited {
                tenant_id: TenantId(id(1)),
                subject: UserId::new("ana"),
                roles: vec![Role::Employee, Role::Approver],
                manager: Some(UserId::new("boss")),
                cost_center: Some("CC-1".into()),
                email: Some("ana@example.com".into()),
            },
            UserEvent::UserEnrolled {
                tenant_id: TenantId(id(1)),
                subject: UserId::new("bo"),
                roles: vec![Role::Auditor],
            },
            UserEvent::UserActivated {},
            UserEvent::UserDeactivated {
                reason: "left".into(),
            },
            UserEvent::UserReactivated {},
            UserEvent::UserRolesAssigned {
                roles: vec![Role::Admin],
            },
            UserEvent::UserManagerSet { manager: None },
            UserEvent::UserCostCenterSet {
                cost_center: Some("CC-2".into()),
            },
            UserEvent::UserEmailSet {
                email: Some("ana@acme.example".into()),
            },
            UserEvent::UserPersonalDataErased {
                reason: "request 12".into(),
            },
        ],
    );
    // As stored: every personal field sealed.
    let sealed = serde_json::to_value(SealedPersonalData {
        sealed: SealedBox {
            algorithm: "AES-256-GCM".into(),
            subject: id(2).to_string(),
            nonce: "00112233445566778899aabb".into(),
            ciphertext: "c0ffee".into(),
        },
    })
    .unwrap();
    let mut stored: Vec<(&'static str, String, String, Value)> = out
        .iter()
        .filter(|(_, event_type, _, _)| !personal_data::in_event(event_type).is_empty())
        .cloned()
        .collect();
    for (_, event_type, _, value) in &mut stored {
        for field in personal_data::in_event(event_type) {
            *value.pointer_mut(field.pointer).unwrap() = sealed.clone();
        }
    }
    assert_eq!(
        stored.len(),
        6,
        "the customer events with contact details, InvoiceSent, PaymentReminderSent, and the user events with an e-mail address"
    );
    out.extend(stored);
    out
}

#[test]
fn every_event_variant_has_a_sample_and_validates_against_its_committed_schema() {
    let samples = samples();
    let declared: Vec<(&str, &[&str])> = vec![
        ("Customer", CustomerEvent::VARIANTS),
        ("Invoice", InvoiceEvent::VARIANTS),
        ("Expense", ExpenseEvent::VARIANTS),
        ("TenantSettings", SettingsEvent::VARIANTS),
        ("Tenant", TenantEvent::VARIANTS),
        ("User", UserEvent::VARIANTS),
        ("ExchangeRateTable", RateTableEvent::VARIANTS),
        ("WebhookEndpoint", WebhookEvent::VARIANTS),
    ];
    for (aggregate, variants) in declared {
        for variant in variants {
            assert!(
                samples
                    .iter()
                    .any(|(a, t, _, _)| *a == aggregate && t == variant),
                "{aggregate}.{variant} has no sample here: add one so its schema is checked"
            );
        }
    }
    for (aggregate, event_type, version, value) in samples {
        let path = schema_dir().join(format!("{aggregate}/{event_type}.v{version}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "{aggregate}.{event_type} v{version} has no schema at {}",
                path.display()
            )
        });
        let schema: Value = serde_json::from_str(&text).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{aggregate}.{event_type}: {errors:?}\n{value:#}"
        );
        // And a wrong shape is refused, so the check can fail.
        assert!(!validator.is_valid(&json!({ event_type.clone(): "not an object" })));
    }
}

/// Superseded versions keep their committed schema (stored events still have that
/// shape), and a sample of each upcasts to a payload that today's schema accepts.
#[test]
fn superseded_versions_keep_their_schemas_and_upcast_to_valid_current_events() {
    let v1_claim = json!({"incurred_on": "2026-03-01", "merchant": "DB", "category": "travel",
        "amount": {"amount": "89.90", "currency": "EUR"}, "tax": null,
        "description": "Train", "receipt_ref": null});
    let superseded = [
        (
            "Invoice",
            "InvoiceSent",
            "1",
            json!({"InvoiceSent": {"sent_at": "2026-03-01T08:00:00Z", "recipient": "ap@acme.example"}}),
        ),
        (
            "Expense",
            "ExpenseSubmitted",
            "1",
            json!({"ExpenseSubmitted": {"tenant_id": Uuid::nil(), "expense_id": Uuid::nil(),
                "employee_id": "emp-1", "details": v1_claim.clone(), "approvals_required": 1,
                "policy_violations": []}}),
        ),
        (
            "Expense",
            "ExpenseAmended",
            "1",
            json!({"ExpenseAmended": {"details": v1_claim, "approvals_required": 1,
                "policy_violations": []}}),
        ),
    ];
    let validator = |aggregate: &str, event_type: &str, version: &str| {
        let path = schema_dir().join(format!("{aggregate}/{event_type}.v{version}.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("no schema at {}", path.display()));
        jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
    };
    for (aggregate, event_type, version, stored) in superseded {
        assert_ne!(version, current_version(event_type));
        assert!(validator(aggregate, event_type, version).is_valid(&stored));
        let current = current_version(event_type);
        let today = upcast(event_type, version, stored.clone()).unwrap();
        assert!(
            validator(aggregate, event_type, current).is_valid(&today),
            "{today:#}"
        );
        // The old shape is not today's: the upcaster is what makes it readable.
        assert!(!validator(aggregate, event_type, current).is_valid(&stored));
    }
}
