//! The invoice's output types: the nodes, their lines, and what they read
//! through the request's loaders.

use async_graphql::{ComplexObject, Context, Enum, SimpleObject, ID};
use folio_commands::documents::DocumentOf;
use folio_domain::ids::{CreditNoteId, InvoiceId};
use folio_projections::invoicing::queries::{
    ArchivedFileRow, CreditNoteFileRow, CreditNoteLineRow, CreditNoteRow, InvoiceAdjustmentRow,
    InvoiceLineRow, InvoiceRow, PaymentComplementRow, PaymentRow,
};
use uuid::Uuid;

use crate::graphql::complements::PaymentComplement;
use crate::graphql::credit_note_cfdi::CreditNoteCfdi;
use crate::graphql::documents::{archive_of, ArchivedDocument, DocumentArchive};
use crate::graphql::enums::{from_stored, InvoiceStatus, PaymentMethod, PaymentStatus, PriceBasis};
use crate::graphql::ids::{global_id, NodeKind};
use crate::graphql::loaders::children;
use crate::graphql::mexico::{CfdiTerms, SatLineKeys};
use crate::graphql::scalars::{Date, Decimal};
use crate::graphql::stamps::CfdiStamp;

/// An invoice with its payment status as of today.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct Invoice {
    /// Opaque global id (for `node(id:)`).
    pub id: ID,
    /// The invoice's UUID, as mutations take it.
    pub invoice_id: Uuid,
    /// The UUID of the customer invoiced.
    pub customer_id: Uuid,
    /// The customer's name now; null if the customer is unknown to the read model.
    pub customer_name: Option<String>,
    /// The status label as stored (read through `status`).
    #[graphql(skip)]
    pub stored_status: String,
    /// The payment status label as stored (read through `paymentStatus`).
    #[graphql(skip)]
    pub stored_payment_status: Option<String>,
    /// Days past the due date while something is due; 0 otherwise.
    pub days_overdue: i32,
    /// ISO 4217 code of every amount of the invoice, e.g. `EUR`.
    pub currency: String,
    /// The basis label as stored (read through `priceBasis`).
    #[graphql(skip)]
    pub stored_price_basis: String,
    /// Document number in the tenant's invoice series; null while a draft.
    pub number: Option<String>,
    /// Issue date; null while a draft.
    pub issue_date: Option<Date>,
    /// Due date; null while a draft.
    pub due_date: Option<Date>,
    /// Sum of the lines' net amounts (EN 16931 BT-106); null while a draft.
    pub line_total: Option<Decimal>,
    /// Sum of the allowances on the whole invoice (BT-107); null while a draft.
    pub allowance_total: Option<Decimal>,
    /// Sum of the charges on the whole invoice (BT-108); null while a draft.
    pub charge_total: Option<Decimal>,
    /// What the taxes are computed on: `lineTotal - allowanceTotal +
    /// chargeTotal` (BT-109); null while a draft.
    pub net_total: Option<Decimal>,
    /// Sum of the taxes (withholdings negative); null while a draft.
    pub tax_total: Option<Decimal>,
    /// Net plus tax: what the customer owes in all; null while a draft.
    pub total: Option<Decimal>,
    /// Paid minus refunded.
    pub amount_paid: Decimal,
    /// Sum of the credit notes.
    pub amount_credited: Decimal,
    /// Still owed (total - paid - credited, when positive); null while a draft.
    pub amount_due: Option<Decimal>,
    /// Held for the customer: paid or credited beyond the total (an
    /// overpayment, a credit note after payment), until refunded.
    pub customer_credit: Decimal,
    /// The invoice in the tenant's accounting currency, when it is in another
    /// one and issued; null otherwise.
    pub accounting: Option<InvoiceAccounting>,
    /// The payment reminders and the open dispute.
    // Boxed: `Node` holds an invoice by value, and its variants stay of a size.
    pub dunning: Box<InvoiceDunning>,
    /// Mexico: how the invoice is paid and used, as set on the draft
    /// (`setInvoiceCfdiTerms`) and fixed at issue; null when never set and
    /// not issued under MX.
    pub cfdi_terms: Option<Box<CfdiTerms>>,
    /// Mexico: where the fiscal stamp by a PAC stands; null when not issued
    /// under MX.
    pub cfdi_stamp: Option<Box<CfdiStamp>>,
    /// Aggregate version: pass as `expectedVersion` to change it only if nobody
    /// else did meanwhile.
    pub version: i64,
}

/// Where an invoice stands in the tenant's reminder schedule.
#[derive(Debug, Clone, SimpleObject)]
pub struct InvoiceDunning {
    /// The last step of the schedule recorded (`tenantSettings.dunning`
    /// counts them from 1); 0 when no reminder went out.
    pub reminders_sent: i32,
    /// The day of the last reminder; null when none.
    pub last_reminded_on: Option<Date>,
    /// The day the customer's open dispute was raised; null while none is
    /// open. Reminders wait while one is.
    pub disputed_on: Option<Date>,
    /// What the customer contests, while a dispute is open.
    pub dispute_reason: Option<String>,
}

/// A foreign-currency invoice as the books keep it: converted once, at the
/// rate it was issued with.
#[derive(Debug, Clone, SimpleObject)]
pub struct InvoiceAccounting {
    /// The tenant's accounting currency, e.g. `EUR`.
    pub currency: String,
    /// Units of the accounting currency per unit of the invoice's.
    pub exchange_rate: Decimal,
    /// The day the rate is of (the issue date, or the rate table's day on or
    /// before it).
    pub rate_date: Date,
    /// The taxes, converted once (EN 16931 BT-111).
    pub tax_total: Decimal,
    /// The total, converted once.
    pub total: Decimal,
}

impl InvoiceAccounting {
    fn of(row: &InvoiceRow) -> Option<Self> {
        Some(InvoiceAccounting {
            currency: row.accounting_currency.clone()?,
            exchange_rate: row.exchange_rate?.into(),
            rate_date: Date(row.exchange_rate_date?),
            tax_total: row.accounting_tax_total?.into(),
            total: row.accounting_total?.into(),
        })
    }
}

impl From<InvoiceRow> for Invoice {
    fn from(row: InvoiceRow) -> Self {
        let accounting = InvoiceAccounting::of(&row);
        let cfdi_stamp = CfdiStamp::of_row(&row).map(Box::new);
        let dunning = Box::new(InvoiceDunning {
            reminders_sent: row.reminders_sent.into(),
            last_reminded_on: row.last_reminded_on.map(Date),
            disputed_on: row.disputed_on.map(Date),
            dispute_reason: row.dispute_reason,
        });
        Invoice {
            id: global_id(NodeKind::Invoice, row.invoice_id),
            invoice_id: row.invoice_id,
            customer_id: row.customer_id,
            customer_name: row.customer_name,
            stored_status: row.status,
            stored_payment_status: row.payment_status,
            days_overdue: row.days_overdue,
            currency: row.currency,
            stored_price_basis: row.price_basis,
            number: row.number,
            issue_date: row.issue_date.map(Date),
            due_date: row.due_date.map(Date),
            line_total: row.line_total.map(Decimal),
            allowance_total: row.allowance_total.map(Decimal),
            charge_total: row.charge_total.map(Decimal),
            net_total: row.net_total.map(Decimal),
            tax_total: row.tax_total.map(Decimal),
            total: row.total.map(Decimal),
            amount_paid: row.amount_paid.into(),
            amount_credited: row.amount_credited.into(),
            amount_due: row.amount_due.map(Decimal),
            customer_credit: row.customer_credit.into(),
            accounting,
            dunning,
            cfdi_terms: CfdiTerms::of_stored(
                row.cfdi_payment_method.as_deref(),
                row.cfdi_payment_form,
                row.cfdi_use,
            )
            .map(Box::new),
            cfdi_stamp,
            version: row.version,
        }
    }
}

/// A line of an invoice.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct InvoiceLine {
    /// The line's UUID, as `changeInvoiceLine` takes it.
    pub line_id: Uuid,
    /// Order on the invoice, from 1.
    pub position: i32,
    /// What was sold.
    pub description: String,
    /// How many units (up to 6 decimals).
    pub quantity: Decimal,
    /// Price of one unit (up to 6 decimals), on the line's `priceBasis`.
    pub unit_price: Decimal,
    /// The basis label as stored (read through `priceBasis`).
    #[graphql(skip)]
    pub stored_price_basis: String,
    /// Net amount after discount, rounded to the currency; null while a draft.
    pub net_amount: Option<Decimal>,
    /// Tax of the line; null while a draft.
    pub tax_amount: Option<Decimal>,
    /// Net plus tax; null while a draft.
    pub total_amount: Option<Decimal>,
    /// Mexico: what the line sells in SAT's terms; null if not stated.
    pub sat: Option<SatLineKeys>,
}

impl From<InvoiceLineRow> for InvoiceLine {
    fn from(row: InvoiceLineRow) -> Self {
        InvoiceLine {
            line_id: row.line_id,
            position: row.position,
            description: row.description,
            quantity: row.quantity.into(),
            unit_price: row.unit_price.into(),
            stored_price_basis: row.price_basis,
            net_amount: row.net_amount.map(Decimal),
            tax_amount: row.tax_amount.map(Decimal),
            total_amount: row.total_amount.map(Decimal),
            sat: match (row.sat_product_key, row.sat_unit_key) {
                (Some(product_key), Some(unit_key)) => Some(SatLineKeys {
                    product_key,
                    unit_key,
                    tax_object: row.sat_tax_object,
                }),
                _ => None,
            },
        }
    }
}

#[ComplexObject]
impl InvoiceLine {
    /// Whether `unitPrice` includes the line's taxes (`GROSS`) or not (`NET`).
    async fn price_basis(&self) -> async_graphql::Result<PriceBasis> {
        from_stored(&self.stored_price_basis)
    }
}

/// A payment received against an invoice.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct Payment {
    /// Opaque global id (for `node(id:)`).
    pub id: ID,
    /// The payment's UUID, as `refundPayment` takes it.
    pub payment_id: Uuid,
    /// The UUID of the invoice paid.
    pub invoice_id: Uuid,
    /// Amount received, in the invoice's currency.
    pub amount: Decimal,
    /// Refunded so far.
    pub refunded_amount: Decimal,
    /// Value date.
    pub received_on: Date,
    /// The method label as stored (read through `method`).
    #[graphql(skip)]
    pub stored_method: String,
    /// The payer's reference; null if none was given.
    pub reference: Option<String>,
    /// Units of the accounting currency per unit of the invoice's on the
    /// value date, for an invoice booked in another currency; null otherwise.
    pub exchange_rate: Option<Decimal>,
    /// The exchange gain (positive) or loss the payment realised on what it
    /// settled, in the accounting currency, less what its refunds reversed;
    /// null unless the invoice is foreign.
    pub exchange_difference: Option<Decimal>,
}

impl From<PaymentRow> for Payment {
    fn from(row: PaymentRow) -> Self {
        Payment {
            id: global_id(NodeKind::Payment, row.payment_id),
            payment_id: row.payment_id,
            invoice_id: row.invoice_id,
            amount: row.amount.into(),
            refunded_amount: row.refunded_amount.into(),
            received_on: row.received_on.into(),
            stored_method: row.method,
            reference: row.reference,
            exchange_rate: row.exchange_rate.map(Decimal),
            exchange_difference: row.exchange_difference.map(Decimal),
        }
    }
}

#[ComplexObject]
impl Payment {
    /// Mexico: the complement (CFDI of type P) it owes or has, when its
    /// invoice was issued under MX to be paid later (PPD); null otherwise,
    /// and for a payment refunded in full before its complement was numbered.
    async fn cfdi_complement(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<PaymentComplement>> {
        let found = children::<PaymentComplementRow, PaymentComplement>(ctx, self.payment_id);
        Ok(found.await?.into_iter().next())
    }

    /// How the payment was made.
    async fn method(&self) -> async_graphql::Result<PaymentMethod> {
        from_stored(&self.stored_method)
    }
}

/// How a credit note says what it takes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CreditNoteKind {
    /// Quantities of invoice lines, each at its own tax rates (see `lines`).
    Lines,
    /// A gross amount off the lines of one tax rate (or, for notes issued
    /// before rate-named credit, spread over every rate).
    Amount,
}

/// A credit note issued against an invoice.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct CreditNote {
    /// Opaque global id (for `node(id:)`).
    pub id: ID,
    /// The credit note's UUID.
    pub credit_note_id: Uuid,
    /// The UUID of the invoice credited.
    pub invoice_id: Uuid,
    /// Its number in the tenant's credit-note series.
    pub number: String,
    /// Issue date.
    pub issue_date: Date,
    /// Why it was issued.
    pub reason: String,
    /// The kind label as stored (read through `kind`).
    #[graphql(skip)]
    pub stored_kind: String,
    /// Net amount credited.
    pub net_total: Decimal,
    /// Tax credited (withholdings negative).
    pub tax_total: Decimal,
    /// Gross amount credited, in the invoice's currency.
    pub total: Decimal,
    /// Mexico: its CFDI (type E, related to the invoice's fiscal folio) and
    /// where its stamp stands; null when the invoice is not a CFDI.
    pub cfdi_stamp: Option<CreditNoteCfdi>,
}

/// An invoice line taken back by a credit note.
#[derive(Debug, Clone, SimpleObject)]
pub struct CreditNoteLine {
    /// The invoice line's UUID (`lineId` of the invoice's lines).
    pub line_id: Uuid,
    /// Units credited.
    pub quantity: Decimal,
    /// Net amount credited.
    pub net_amount: Decimal,
    /// The line's share of the credited tax.
    pub tax_amount: Decimal,
}

impl From<CreditNoteLineRow> for CreditNoteLine {
    fn from(row: CreditNoteLineRow) -> Self {
        CreditNoteLine {
            line_id: row.line_id,
            quantity: row.quantity.into(),
            net_amount: row.net_amount.into(),
            tax_amount: row.tax_amount.into(),
        }
    }
}

#[ComplexObject]
impl CreditNote {
    /// Whether it credits lines or an amount.
    async fn kind(&self) -> async_graphql::Result<CreditNoteKind> {
        from_stored(&self.stored_kind)
    }

    /// The invoice lines it takes back, in invoice order; empty for an
    /// amount-only note.
    async fn lines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CreditNoteLine>> {
        children::<CreditNoteLineRow, CreditNoteLine>(ctx, self.credit_note_id).await
    }

    /// Its files as archived when it was issued (Factur-X, UBL; a Mexican
    /// invoice once stamped: the CFDI and its printed form), each with the
    /// SHA-256 that proves what the customer received; empty until archived.
    async fn documents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ArchivedDocument>> {
        children::<CreditNoteFileRow, ArchivedDocument>(ctx, self.credit_note_id).await
    }

    /// Where its archive stands: pending, archived, or failed with the reason.
    async fn archive(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DocumentArchive>> {
        let which = DocumentOf::CreditNote(
            InvoiceId(self.invoice_id),
            CreditNoteId(self.credit_note_id),
        );
        archive_of(ctx, which).await
    }
}

impl From<CreditNoteRow> for CreditNote {
    fn from(row: CreditNoteRow) -> Self {
        let cfdi_stamp = CreditNoteCfdi::of_row(&row);
        CreditNote {
            cfdi_stamp,
            id: global_id(NodeKind::CreditNote, row.credit_note_id),
            credit_note_id: row.credit_note_id,
            invoice_id: row.invoice_id,
            number: row.number,
            issue_date: row.issue_date.into(),
            reason: row.reason,
            stored_kind: row.kind,
            net_total: row.net_total.into(),
            tax_total: row.tax_total.into(),
            total: row.total.into(),
        }
    }
}

#[ComplexObject]
impl Invoice {
    /// Where the invoice is in its life.
    async fn status(&self) -> async_graphql::Result<InvoiceStatus> {
        from_stored(&self.stored_status)
    }

    /// Whether the prices of lines added without a `priceBasis` exclude
    /// (`NET`) or include (`GROSS`) their taxes.
    async fn price_basis(&self) -> async_graphql::Result<PriceBasis> {
        from_stored(&self.stored_price_basis)
    }

    /// Whether it is paid (issued and sent invoices); null for drafts and voids.
    async fn payment_status(&self) -> async_graphql::Result<Option<PaymentStatus>> {
        self.stored_payment_status
            .as_deref()
            .map(from_stored)
            .transpose()
    }

    /// Lines, in order.
    async fn lines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<InvoiceLine>> {
        children::<InvoiceLineRow, InvoiceLine>(ctx, self.invoice_id).await
    }

    /// Allowances and charges on the whole invoice, in order.
    async fn adjustments(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::InvoiceAdjustment>> {
        children::<InvoiceAdjustmentRow, super::InvoiceAdjustment>(ctx, self.invoice_id).await
    }

    /// Payments received, by value date.
    async fn payments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Payment>> {
        children::<PaymentRow, Payment>(ctx, self.invoice_id).await
    }

    /// Credit notes issued against it, by number.
    async fn credit_notes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CreditNote>> {
        children::<CreditNoteRow, CreditNote>(ctx, self.invoice_id).await
    }

    /// Its files as archived when it was issued (Factur-X, UBL; a Mexican
    /// invoice once stamped: the CFDI and its printed form), each with the
    /// SHA-256 that proves what the customer received; empty for a draft and
    /// until archived.
    async fn documents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ArchivedDocument>> {
        children::<ArchivedFileRow, ArchivedDocument>(ctx, self.invoice_id).await
    }

    /// Where its archive stands: pending, archived, or failed with the reason;
    /// null for a draft.
    async fn archive(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DocumentArchive>> {
        archive_of(ctx, DocumentOf::Invoice(InvoiceId(self.invoice_id))).await
    }

    /// The e-mails Folio sent (or is sending) of it, newest first: one per
    /// `sendInvoice`, with where its delivery stands.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::notifications::Notification>> {
        crate::graphql::notifications::of_invoice(ctx, self.invoice_id).await
    }
}
