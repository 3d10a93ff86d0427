//! Invoices made by the real invoice aggregate (draft, lines, issue, credit
//! notes), so the documents under test are written from the very events Folio
//! stores. Shared by the e-invoice tests and, through `#[path]`, by the PDF
//! crate's tests.

#![allow(dead_code)] // each test binary uses its own part

use chrono::NaiveDate;
use folio_documents::{
    credit_note_document, invoice_document, Document, DocumentError, InvoiceRecord,
};
use folio_domain::adjustment::{AdjustmentKind, AdjustmentSize, DocumentAdjustment};
use folio_domain::customer::{ContactDetails, Customer, CustomerStanding, TaxDetails};
use folio_domain::document_number::{DocumentNumber, NumberDating};
use folio_domain::exchange::{Books, DatedRate, ExchangeRate};
use folio_domain::ids::{
    AdjustmentId, CreditNoteId, CreditTransferId, CustomerId, InvoiceId, LineId, PaymentId,
    TenantId,
};
use folio_domain::invoice::{
    CfdiContext, CfdiFile, CfdiSeal, CfdiStamp, CreditRequest, DocumentOfInvoice, DueTerms,
    Invoice, InvoiceCommand, InvoiceEvent, LineCredit, PaymentMethod, PrepaidCredit, StampStep,
    TaxSelector,
};
use folio_domain::legal_profile::{BankAccount, LegalProfile, PostalAddress};
use folio_domain::money::{Currency, Money};
use folio_domain::pricing::{Discount, LineItem, PriceBasis};
use folio_domain::sat::{SatIssuer, SatLineKeys, SatReceiver};
use folio_domain::settings::Jurisdiction;
use folio_domain::tax::{TaxRate, TaxTreatment, VatCategory, VatExemption};
use folio_domain::Decide;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use uuid::Uuid;

const TENANT: TenantId = TenantId::from_uuid(Uuid::from_u128(1));

pub fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

pub fn seller() -> LegalProfile {
    LegalProfile {
        legal_name: "Muster GmbH".into(),
        trading_name: Some("Muster Consulting".into()),
        address: PostalAddress {
            lines: vec!["Hauptstraße 1".into(), "Hinterhaus".into(), "3. OG".into()],
            city: "München".into(),
            postal_code: Some("80331".into()),
            subdivision: Some("Bayern".into()),
            country: "DE".into(),
        },
        vat_id: Some("DE136695976".into()),
        tax_registration_id: Some("143/123/45678".into()),
        company_id: Some("HRB 12345".into()),
        email: Some("billing@muster.example".into()),
        phone: Some("+49 89 123456".into()),
        bank_account: Some(BankAccount {
            iban: "DE89370400440532013000".into(),
            bic: Some("COBADEFFXXX".into()),
            account_name: Some("Muster GmbH".into()),
        }),
    }
}

pub fn customer(country: &str, vat_id: Option<&str>) -> Customer {
    Customer {
        tenant_id: Some(TENANT),
        customer_id: Some(CustomerId::from_uuid(Uuid::from_u128(2))),
        contact: ContactDetails {
            name: "Acme & Söhne <Holding>".into(),
            email: Some("ap@acme.example".into()),
            phone: None,
            address: Some("Rue de la Paix 1\n75002 Paris".into()),
        },
        tax: Some(TaxDetails {
            tax_id: vat_id.map(str::to_owned),
            country: country.into(),
            default_currency: Currency::from_code("EUR").unwrap(),
            payment_terms_days: 30,
            sat: None,
        }),
        archived: false,
        erased: false,
    }
}

pub fn vat(category: VatCategory, percent: Decimal) -> TaxRate {
    let (treatment, exemption) = match category {
        VatCategory::Standard | VatCategory::CanaryIslands | VatCategory::CeutaMelilla => {
            (TaxTreatment::Standard, None)
        }
        VatCategory::ZeroRated => (TaxTreatment::ZeroRated, None),
        other => {
            let code = match other {
                VatCategory::Exempt => "VATEX-EU-132",
                VatCategory::ReverseCharge => "VATEX-EU-AE",
                VatCategory::IntraCommunity => "VATEX-EU-IC",
                VatCategory::Export => "VATEX-EU-G",
                _ => "VATEX-EU-O",
            };
            let exemption = VatExemption {
                code: Some(code.into()),
                reason: Some(format!("Exempt ({code})")),
            };
            (TaxTreatment::Exempt, Some(exemption))
        }
    };
    TaxRate {
        code: "VAT".into(),
        percent,
        treatment,
        category: Some(category),
        exemption,
    }
}

pub fn item(description: &str, quantity: Decimal, unit_price: Decimal, tax: TaxRate) -> LineItem {
    LineItem {
        description: description.into(),
        quantity,
        unit_price,
        discount: None,
        taxes: vec![tax],
        price_basis: Default::default(),
        sat: None,
    }
}

/// A Mexican company: RFC `EKU9003173C9`, invoiced in pesos.
pub fn mexican_customer() -> Customer {
    let mut customer = customer("MX", Some("EKU9003173C9"));
    customer.contact.name = "ESCUELA KEMPER URGATE".into();
    if let Some(tax) = customer.tax.as_mut() {
        tax.default_currency = Currency::from_code("MXN").unwrap();
    }
    customer
}

/// A Mexican tax of `percent` (`IVA`, `ISR`, `IEPS`), charged or withheld.
pub fn sat_tax(code: &str, percent: Decimal, treatment: TaxTreatment) -> TaxRate {
    TaxRate {
        code: code.into(),
        percent,
        treatment,
        category: None,
        exemption: None,
    }
}

/// A line keyed with SAT's product and unit keys.
pub fn keyed(
    description: &str,
    quantity: Decimal,
    unit_price: Decimal,
    taxes: Vec<TaxRate>,
    (product_key, unit_key): (&str, &str),
) -> LineItem {
    LineItem {
        description: description.into(),
        quantity,
        unit_price,
        discount: None,
        taxes,
        price_basis: Default::default(),
        sat: Some(SatLineKeys {
            product_key: product_key.into(),
            unit_key: unit_key.into(),
            tax_object: None,
        }),
    }
}

/// An invoice driven through the real aggregate, keeping the events it wrote.
pub struct Scenario {
    pub state: Invoice,
    pub events: Vec<InvoiceEvent>,
    pub customer: Customer,
    pub lines: Vec<LineId>,
}

impl Scenario {
    pub fn draft(currency: &str, customer: Customer) -> Self {
        let mut scenario = Scenario {
            state: Invoice::default(),
            events: Vec::new(),
            customer,
            lines: Vec::new(),
        };
        scenario.run(InvoiceCommand::CreateDraft {
            tenant_id: TENANT,
            invoice_id: InvoiceId::from_uuid(Uuid::from_u128(3)),
            customer_id: CustomerId::from_uuid(Uuid::from_u128(2)),
            customer_standing: CustomerStanding::Active,
            currency: Currency::from_code(currency).unwrap(),
            due_terms: DueTerms::NetDays { days: 30 },
            notes: Some("Thank you for your business.".into()),
            price_basis: Default::default(),
        });
        scenario
    }

    pub fn run(&mut self, command: InvoiceCommand) {
        for event in self.state.decide(command).unwrap() {
            self.state.fold(event.clone());
            self.events.push(event);
        }
    }

    pub fn line(mut self, item: LineItem) -> Self {
        let line_id = LineId::from_uuid(Uuid::from_u128(100 + self.lines.len() as u128));
        self.lines.push(line_id);
        self.run(InvoiceCommand::AddLine {
            line_id,
            line: item.into(),
        });
        self
    }

    pub fn adjust(mut self, adjustment: DocumentAdjustment) -> Self {
        let adjustment_id = AdjustmentId::from_uuid(Uuid::new_v4());
        self.run(InvoiceCommand::AddDocumentAdjustment {
            adjustment_id,
            adjustment,
        });
        self
    }

    pub fn issue(self) -> Self {
        self.issue_with(None, Books::default())
    }

    /// Issues in a currency foreign to the seller's books (EUR), at `rate`.
    pub fn issue_booked_in_euros(self, rate: Decimal) -> Self {
        let books = Books {
            currency: Some(Currency::from_code("EUR").unwrap()),
            rate: Some(DatedRate {
                rate: ExchangeRate {
                    to: Currency::from_code("EUR").unwrap(),
                    rate,
                    source: Some("ECB reference rate".into()),
                },
                date: day(2),
            }),
            from_table: false,
        };
        self.issue_with(None, books)
    }

    /// Issues with `amount` of the customer's credit, held on another invoice,
    /// applied as paid in advance.
    pub fn issue_prepaid(self, amount: Decimal) -> Self {
        let currency = self.state.currency.unwrap();
        self.issue_with(
            Some(PrepaidCredit {
                transfer_id: CreditTransferId::from_uuid(Uuid::from_u128(7)),
                from_invoice: InvoiceId::from_uuid(Uuid::from_u128(4)),
                from_customer: CustomerId::from_uuid(Uuid::from_u128(2)),
                amount: Money::new(amount, currency),
                worth: None,
            }),
            Books::default(),
        )
    }

    /// Issues under the MX jurisdiction: SAT's test issuer (RFC
    /// `AAA010101AAA`, issuing from Mexico City) to the customer's RFC as a
    /// company under regime 601 using the invoice for general expenses (G03).
    pub fn issue_in_mexico(mut self) -> Self {
        let buyer_vat_id = self.customer.tax.as_ref().unwrap().tax_id.clone();
        self.run(InvoiceCommand::Issue {
            number: DocumentNumber {
                series: "F".into(),
                sequence: 42,
            },
            issue_date: day(2),
            rounding: Jurisdiction::Mx.required_rounding().unwrap(),
            dating: NumberDating {
                today: day(30),
                previous: None,
            },
            customer_standing: CustomerStanding::Active,
            jurisdiction: Jurisdiction::Mx,
            buyer_vat_id,
            cfdi: Box::new(CfdiContext {
                issuer: Some(SatIssuer {
                    rfc: "AAA010101AAA".into(),
                    name: "ACCEM SERVICIOS EMPRESARIALES".into(),
                    tax_regime: "601".into(),
                    postal_code: "06600".into(),
                }),
                receiver: Some(SatReceiver {
                    tax_regime: "601".into(),
                    postal_code: "26015".into(),
                    cfdi_use: "G03".into(),
                }),
            }),
            prepaid: None,
            books: Books::default(),
        });
        self
    }

    fn issue_with(mut self, prepaid: Option<PrepaidCredit>, books: Books) -> Self {
        let buyer_vat_id = self.customer.tax.as_ref().unwrap().tax_id.clone();
        self.run(InvoiceCommand::Issue {
            number: DocumentNumber {
                series: "INV".into(),
                sequence: 42,
            },
            issue_date: day(2),
            rounding: Jurisdiction::Eu.required_rounding().unwrap(),
            dating: NumberDating {
                today: day(30),
                previous: None,
            },
            customer_standing: CustomerStanding::Active,
            jurisdiction: Jurisdiction::Eu,
            buyer_vat_id,
            cfdi: Default::default(),
            prepaid,
            books,
        });
        self
    }

    pub fn credit(&mut self, request: CreditRequest) -> CreditNoteId {
        let credit_note_id = CreditNoteId::from_uuid(Uuid::new_v4());
        let sequence = self.state.credit_notes.len() as u64 + 1;
        self.run(InvoiceCommand::IssueCreditNote {
            credit_note_id,
            number: DocumentNumber {
                series: "CN".into(),
                sequence,
            },
            request,
            issue_date: day(10),
            dating: NumberDating {
                today: day(30),
                previous: None,
            },
            reason: "Returned goods".into(),
        });
        credit_note_id
    }

    /// Seals the issued Mexican invoice and records a PAC's stamp of it
    /// with fiscal folio `uuid` (the files' addresses stand for no file).
    pub fn stamped(mut self, uuid: &str) -> Self {
        let file = |byte: char| CfdiFile {
            sha256: byte.to_string().repeat(64),
            size_bytes: 1,
        };
        let sealed_at = day(2).and_hms_opt(16, 30, 0).unwrap().and_utc();
        let own = |step| InvoiceCommand::RecordStampStep {
            document: DocumentOfInvoice::Invoice,
            step,
        };
        self.run(own(StampStep::Seal(CfdiSeal {
            sealed_at,
            certificate_number: "30001000000300023708".into(),
            xml: file('a'),
        })));
        self.run(own(StampStep::Stamp(CfdiStamp {
            uuid: uuid.parse().unwrap(),
            stamped_on: day(2).and_hms_opt(10, 31, 0).unwrap(),
            pac_rfc: "SIM201207PA1".into(),
            sat_certificate_number: "99999000000000000001".into(),
            cfd_seal: "QUJD".into(),
            sat_seal: "WFla".into(),
            xml: file('b'),
            recorded_at: sealed_at,
        })));
        self
    }

    /// Records a payment of `amount` by `method` on day `on`, and numbers
    /// its complement `P-<sequence>` when `complement` is given.
    pub fn pay(
        &mut self,
        amount: Decimal,
        (method, on): (PaymentMethod, u32),
        complement: Option<u64>,
    ) -> PaymentId {
        let payment_id = PaymentId::from_uuid(Uuid::new_v4());
        let currency = self.state.currency.unwrap();
        self.run(InvoiceCommand::RecordPayment {
            payment_id,
            amount: Money::new(amount, currency),
            received_on: day(on),
            method,
            reference: None,
            books: Books::default(),
        });
        if let Some(sequence) = complement {
            self.run(InvoiceCommand::IssuePaymentComplement {
                payment_id,
                number: DocumentNumber {
                    series: "P".into(),
                    sequence,
                },
                issue_date: day(on),
                dating: NumberDating {
                    today: day(30),
                    previous: None,
                },
            });
        }
        payment_id
    }

    pub fn record(&self) -> InvoiceRecord {
        InvoiceRecord::from_events(&self.events)
    }

    pub fn invoice(&self) -> Result<Document, DocumentError> {
        invoice_document(&self.record(), Some(&seller()), &self.customer)
    }

    pub fn credit_note(&self, id: CreditNoteId) -> Document {
        credit_note_document(&self.record(), id, Some(&seller()), &self.customer).unwrap()
    }
}

/// A German invoice with every category a domestic seller uses: standard
/// rates with a discount and a deduction, zero-rated and exempt lines.
pub fn domestic() -> Scenario {
    let mut discounted = item(
        "Consulting, hours",
        dec!(12.5),
        dec!(120),
        vat(VatCategory::Standard, dec!(19)),
    );
    discounted.discount = Some(Discount::Percent { percent: dec!(10) });
    Scenario::draft("EUR", customer("DE", Some("DE129273398")))
        .line(discounted)
        .line(item(
            "Books",
            dec!(3),
            dec!(19.99),
            vat(VatCategory::Standard, dec!(7)),
        ))
        .line(item(
            "Deposit invoiced on INV-000041",
            dec!(-1),
            dec!(200),
            vat(VatCategory::Standard, dec!(19)),
        ))
        .line(item(
            "Medical supplies",
            dec!(2),
            dec!(49.5),
            vat(VatCategory::ZeroRated, dec!(0)),
        ))
        .line(item(
            "Training course",
            dec!(1),
            dec!(350),
            vat(VatCategory::Exempt, dec!(0)),
        ))
        .line(item(
            "Rounding trap 0.625",
            dec!(1),
            dec!(0.625),
            vat(VatCategory::Standard, dec!(19)),
        ))
        .issue()
}

/// An allowance or charge on the whole document.
pub fn adjustment(
    kind: AdjustmentKind,
    size: AdjustmentSize,
    reason: Option<&str>,
    reason_code: Option<&str>,
    tax: TaxRate,
) -> DocumentAdjustment {
    DocumentAdjustment {
        kind,
        size,
        reason: reason.map(str::to_owned),
        reason_code: reason_code.map(str::to_owned),
        tax,
    }
}

/// A German invoice at 19% and 7% with a 3% rebate on the 19% goods (reason
/// and code), a special rebate of 5.00 on the 7% goods (code only) and 25.00
/// of freight at 19% (reason and code), with 500.00 of a deposit's credit
/// applied as it is issued.
pub fn adjusted() -> Scenario {
    let (nineteen, seven) = (
        vat(VatCategory::Standard, dec!(19)),
        vat(VatCategory::Standard, dec!(7)),
    );
    Scenario::draft("EUR", customer("DE", Some("DE129273398")))
        .line(item(
            "Consulting, hours",
            dec!(12.5),
            dec!(120),
            nineteen.clone(),
        ))
        .line(item("Books", dec!(3), dec!(19.99), seven.clone()))
        .adjust(adjustment(
            AdjustmentKind::Allowance,
            AdjustmentSize::Percent { percent: dec!(3) },
            Some("Volume rebate"),
            Some("95"),
            nineteen.clone(),
        ))
        .adjust(adjustment(
            AdjustmentKind::Allowance,
            AdjustmentSize::Amount { amount: dec!(5) },
            None,
            Some("100"),
            seven,
        ))
        .adjust(adjustment(
            AdjustmentKind::Charge,
            AdjustmentSize::Amount { amount: dec!(25) },
            Some("Freight"),
            Some("FC"),
            nineteen,
        ))
        .issue_prepaid(dec!(500))
}

/// A shop's invoice quoted in gross prices: 3 × 9.99 and 500.00 at 19%, and
/// 2 × 19.99 at 7% with 10% off; the customer pays exactly what was quoted.
pub fn gross_prices() -> Scenario {
    let gross = |description: &str, quantity, unit_price, percent| LineItem {
        price_basis: PriceBasis::Gross,
        ..item(
            description,
            quantity,
            unit_price,
            vat(VatCategory::Standard, percent),
        )
    };
    let mut books = gross("Books", dec!(2), dec!(19.99), dec!(7));
    books.discount = Some(Discount::Percent { percent: dec!(10) });
    Scenario::draft("EUR", customer("DE", Some("DE129273398")))
        .line(gross("Cables", dec!(3), dec!(9.99), dec!(19)))
        .line(gross("Monitor", dec!(1), dec!(500), dec!(19)))
        .line(books)
        .issue()
}

/// Every scenario's documents: (name, document).
pub fn scenarios() -> Vec<(String, Document)> {
    let mut out = Vec::new();
    let mut home = domestic();
    out.push(("domestic".to_owned(), home.invoice().unwrap()));
    let by_lines = home.credit(CreditRequest::Lines(vec![
        LineCredit {
            line_id: home.lines[0],
            quantity: dec!(2.5),
        },
        LineCredit {
            line_id: home.lines[1],
            quantity: dec!(1),
        },
    ]));
    out.push(("credit-lines".to_owned(), home.credit_note(by_lines)));
    let by_amount = home.credit(CreditRequest::Amount {
        amount: Money::new(dec!(59.50), Currency::from_code("EUR").unwrap()),
        tax: Some(TaxSelector {
            code: "VAT".into(),
            percent: dec!(19),
            category: None,
        }),
    });
    out.push(("credit-amount".to_owned(), home.credit_note(by_amount)));
    let cross_border = [
        (
            "reverse-charge",
            "FR",
            Some("FR40303265045"),
            VatCategory::ReverseCharge,
        ),
        (
            "intra-community",
            "AT",
            Some("ATU13585627"),
            VatCategory::IntraCommunity,
        ),
        ("export", "US", None, VatCategory::Export),
        ("outside-scope", "CH", None, VatCategory::NotSubject),
    ];
    for (name, country, vat_id, category) in cross_border {
        let scenario = Scenario::draft("EUR", customer(country, vat_id))
            .line(item(
                "Machine parts",
                dec!(4),
                dec!(250),
                vat(category, dec!(0)),
            ))
            .issue();
        out.push((name.to_owned(), scenario.invoice().unwrap()));
    }
    let canary = Scenario::draft("EUR", customer("ES", Some("ESA12345674")))
        .line(item(
            "Delivery to Tenerife (IGIC)",
            dec!(1),
            dec!(100),
            vat(VatCategory::CanaryIslands, dec!(7)),
        ))
        .issue();
    out.push(("canary-islands".to_owned(), canary.invoice().unwrap()));
    let ceuta = Scenario::draft("EUR", customer("ES", Some("ESA12345674")))
        .line(item(
            "Delivery to Ceuta (IPSI)",
            dec!(1),
            dec!(100),
            vat(VatCategory::CeutaMelilla, dec!(4)),
        ))
        .issue();
    out.push(("ceuta".to_owned(), ceuta.invoice().unwrap()));
    let dollars = Scenario::draft("USD", customer("US", None))
        .line(item(
            "Licence, yearly",
            dec!(1),
            dec!(1000),
            vat(VatCategory::Standard, dec!(19)),
        ))
        .issue_booked_in_euros(dec!(0.9215));
    out.push(("foreign-currency".to_owned(), dollars.invoice().unwrap()));
    out.push((
        "allowances-charges".to_owned(),
        adjusted().invoice().unwrap(),
    ));
    out
}

/// Ten hours of consulting with IVA 16% and, withheld, ISR 10% and two
/// thirds of the IVA (a company paying a professional), and three software
/// licences at IVA 16%; issued PPD under MX and stamped with fiscal folio
/// `folio`.
pub fn stamped_services(folio: &str) -> Scenario {
    let withheld = vec![
        sat_tax("IVA", dec!(16), TaxTreatment::Standard),
        sat_tax("ISR", dec!(10), TaxTreatment::Withholding),
        sat_tax("IVA", dec!(10.6667), TaxTreatment::Withholding),
    ];
    Scenario::draft("MXN", mexican_customer())
        .line(keyed(
            "Consultoría fiscal",
            dec!(10),
            dec!(1500),
            withheld,
            ("84111506", "E48"),
        ))
        .line(keyed(
            "Licencia de software",
            dec!(3),
            dec!(1234.57),
            vec![sat_tax("IVA", dec!(16), TaxTreatment::Standard)],
            ("43232408", "H87"),
        ))
        .issue_in_mexico()
        .stamped(folio)
}
