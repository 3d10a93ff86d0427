//! Invoices: the `Invoice`, `Payment` and `CreditNote` nodes, their queries, and
//! the mutations of an invoice's life (draft, lines, issue, send, payments,
//! refunds, credit notes, void).

use async_graphql::{ComplexObject, Context, Enum, InputObject, Object, SimpleObject, ID};
use folio_commands::documents::DocumentOf;
use folio_commands::reads::PageRequest;
use folio_commands::{AddInvoiceLine, IssueInvoice, VoidInvoice};
use folio_domain::ids::{CreditNoteId, InvoiceId};
use folio_projections::invoicing::queries::{
    ArchivedFileRow, CreditNoteFileRow, CreditNoteLineRow, CreditNoteRow,
    InvoiceFilter as RowFilter, InvoiceLineRow, InvoiceOrder, InvoiceRow, PaymentRow,
};
use uuid::Uuid;

use super::context::request;
use super::documents::{archive_of, ArchivedDocument, DocumentArchive};
use super::enums::{from_stored, InvoiceStatus, PaymentMethod, PaymentStatus};
use super::ids::{global_id, uuid_arg, NodeKind};
use super::inputs::{
    AppliedCreditInput, CreditNoteInput, DueTermsInput, InvoiceDraftInput, LineInput, PaymentInput,
    RefundInput, SatCancellationInput,
};
use super::loaders::children;
use super::outcome::CommandResult;
use super::paging::{connection, page_weight, List};
use super::scalars::{Date, Decimal};
use crate::error::read;

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
    /// Document number in the tenant's invoice series; null while a draft.
    pub number: Option<String>,
    /// Issue date; null while a draft.
    pub issue_date: Option<Date>,
    /// Due date; null while a draft.
    pub due_date: Option<Date>,
    /// Sum of the lines' net amounts; null while a draft.
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
    /// Aggregate version: pass as `expectedVersion` to change it only if nobody
    /// else did meanwhile.
    pub version: i64,
}

impl From<InvoiceRow> for Invoice {
    fn from(row: InvoiceRow) -> Self {
        Invoice {
            id: global_id(NodeKind::Invoice, row.invoice_id),
            invoice_id: row.invoice_id,
            customer_id: row.customer_id,
            customer_name: row.customer_name,
            stored_status: row.status,
            stored_payment_status: row.payment_status,
            days_overdue: row.days_overdue,
            currency: row.currency,
            number: row.number,
            issue_date: row.issue_date.map(Date),
            due_date: row.due_date.map(Date),
            net_total: row.net_total.map(Decimal),
            tax_total: row.tax_total.map(Decimal),
            total: row.total.map(Decimal),
            amount_paid: row.amount_paid.into(),
            amount_credited: row.amount_credited.into(),
            amount_due: row.amount_due.map(Decimal),
            customer_credit: row.customer_credit.into(),
            version: row.version,
        }
    }
}

/// A line of an invoice.
#[derive(Debug, Clone, SimpleObject)]
pub struct InvoiceLine {
    /// The line's UUID, as `changeInvoiceLine` takes it.
    pub line_id: Uuid,
    /// Order on the invoice, from 1.
    pub position: i32,
    /// What was sold.
    pub description: String,
    /// How many units (up to 6 decimals).
    pub quantity: Decimal,
    /// Price of one unit before tax (up to 6 decimals).
    pub unit_price: Decimal,
    /// Net amount after discount, rounded to the currency; null while a draft.
    pub net_amount: Option<Decimal>,
    /// Tax of the line; null while a draft.
    pub tax_amount: Option<Decimal>,
    /// Net plus tax; null while a draft.
    pub total_amount: Option<Decimal>,
}

impl From<InvoiceLineRow> for InvoiceLine {
    fn from(row: InvoiceLineRow) -> Self {
        InvoiceLine {
            line_id: row.line_id,
            position: row.position,
            description: row.description,
            quantity: row.quantity.into(),
            unit_price: row.unit_price.into(),
            net_amount: row.net_amount.map(Decimal),
            tax_amount: row.tax_amount.map(Decimal),
            total_amount: row.total_amount.map(Decimal),
        }
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
        }
    }
}

#[ComplexObject]
impl Payment {
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

    /// Its files as archived when it was issued (Factur-X, UBL), each with the
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
        CreditNote {
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

    /// Payments received, by value date.
    async fn payments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Payment>> {
        children::<PaymentRow, Payment>(ctx, self.invoice_id).await
    }

    /// Credit notes issued against it, by number.
    async fn credit_notes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CreditNote>> {
        children::<CreditNoteRow, CreditNote>(ctx, self.invoice_id).await
    }

    /// Its files as archived when it was issued (Factur-X, UBL), each with the
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
}

/// Filters of the invoice list (all given conditions hold).
#[derive(Debug, Default, InputObject)]
pub struct InvoiceFilter {
    /// Only invoices in this document status.
    pub status: Option<InvoiceStatus>,
    /// Only this customer's (its UUID).
    pub customer_id: Option<ID>,
    /// Issued on or after this date.
    pub issued_from: Option<Date>,
    /// Issued on or before this date.
    pub issued_to: Option<Date>,
    /// True: only invoices past due with something owed; false: only the others.
    pub overdue: Option<bool>,
}

impl InvoiceFilter {
    fn into_rows(self) -> async_graphql::Result<RowFilter> {
        Ok(RowFilter {
            status: self.status.map(Into::into),
            customer_id: self
                .customer_id
                .as_ref()
                .map(|id| uuid_arg(id, "customerId"))
                .transpose()?,
            issued_from: self.issued_from.map(|d| d.0),
            issued_to: self.issued_to.map(|d| d.0),
            overdue: self.overdue,
        })
    }
}

/// Orders of the invoice list; ties are broken by id, so pages are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Default)]
#[graphql(remote = "folio_projections::invoicing::queries::InvoiceOrder")]
pub enum InvoiceSort {
    /// Newest issue date first (drafts last).
    #[default]
    IssueDateDesc,
    /// Oldest issue date first (drafts last).
    IssueDateAsc,
    /// Earliest due date first.
    DueDateAsc,
    /// Largest total first.
    TotalDesc,
}

/// One invoice of the caller's tenant, or null; the rights first, then the wait for `token`.
pub(crate) async fn invoice_by_id(
    ctx: &Context<'_>,
    invoice_id: Uuid,
    token: Option<&str>,
) -> async_graphql::Result<Option<Invoice>> {
    let row = request(ctx)?
        .reads
        .invoice(invoice_id, token)
        .await
        .map_err(read)?;
    Ok(row.map(Invoice::from))
}

/// One credit note of the caller's tenant, or null; the rights first, then the wait for
/// `token`.
pub(crate) async fn credit_note_by_id(
    ctx: &Context<'_>,
    credit_note_id: Uuid,
    token: Option<&str>,
) -> async_graphql::Result<Option<CreditNote>> {
    let row = request(ctx)?
        .reads
        .credit_note(credit_note_id, token)
        .await
        .map_err(read)?;
    Ok(row.map(CreditNote::from))
}

/// One payment of the caller's tenant, or null; the rights first, then the wait for `token`.
pub(crate) async fn payment_by_id(
    ctx: &Context<'_>,
    payment_id: Uuid,
    token: Option<&str>,
) -> async_graphql::Result<Option<Payment>> {
    let row = request(ctx)?
        .reads
        .payment(payment_id, token)
        .await
        .map_err(read)?;
    Ok(row.map(Payment::from))
}

/// The invoice queries (accountants, auditors, admins).
#[derive(Debug, Default)]
pub struct InvoiceQuery;

#[Object]
impl InvoiceQuery {
    /// Invoices of the caller's tenant.
    #[graphql(complexity = "page_weight(first) * child_complexity")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only invoices matching all the given conditions.")] filter: Option<
            InvoiceFilter,
        >,
        #[graphql(desc = "The order; newest issue date first if not given.")] sort: Option<
            InvoiceSort,
        >,
        #[graphql(desc = "Page size, 20 if not given; at most the server's page limit.")]
        first: Option<i32>,
        #[graphql(desc = "The cursor of the last edge of the previous page.")] after: Option<
            String,
        >,
        #[graphql(desc = "A mutation's consistencyToken: wait until this read shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<List<Invoice>> {
        let filter = filter.unwrap_or_default().into_rows()?;
        let order: InvoiceOrder = sort.unwrap_or_default().into();
        let slice = request(ctx)?
            .reads
            .invoices(
                &filter,
                order,
                &PageRequest { first, after },
                consistency_token.as_deref(),
            )
            .await
            .map_err(read)?;
        Ok(connection(slice))
    }

    /// One invoice by its UUID, with lines, payments and credit notes; null if
    /// the caller's tenant has none such.
    async fn invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] id: ID,
        #[graphql(desc = "A mutation's consistencyToken: wait until this read shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<Option<Invoice>> {
        let id = uuid_arg(&id, "id")?;
        invoice_by_id(ctx, id, consistency_token.as_deref()).await
    }

    /// One credit note by its UUID; null if the caller's tenant has none such.
    async fn credit_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The credit note's UUID (`creditNoteId`).")] id: ID,
        #[graphql(desc = "A mutation's consistencyToken: wait until this read shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<Option<CreditNote>> {
        let id = uuid_arg(&id, "id")?;
        credit_note_by_id(ctx, id, consistency_token.as_deref()).await
    }
}

/// The invoice mutations (accountants and admins).
#[derive(Debug, Default)]
pub struct InvoiceMutation;

#[Object]
impl InvoiceMutation {
    /// Starts an invoice draft; currency and terms default to the customer's.
    async fn create_invoice_draft(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(desc = "The customer and, optionally, currency, terms and notes.")]
        input: InvoiceDraftInput,
    ) -> async_graphql::Result<CommandResult> {
        let input = input.into_command()?;
        command!(ctx, idempotency_key, None, |use_cases, c| use_cases
            .create_invoice_draft(&c, input))
    }

    /// Adds a line to a draft.
    async fn add_invoice_line(
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
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The line's description, quantity, unit price, discount and taxes.")]
        line: LineInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let item = line.into_domain()?;
        let input = AddInvoiceLine {
            line_id: None,
            item,
        };
        command!(
            ctx,
            idempotency_key,
            expected_version,
            |use_cases, c| async {
                use_cases
                    .add_invoice_line(&c, id, input)
                    .await
                    .map(|(outcome, _)| outcome)
            }
        )
    }

    /// Replaces a draft line.
    async fn change_invoice_line(
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
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The line's UUID (`lineId`).")] line_id: ID,
        #[graphql(desc = "The line's description, quantity, unit price, discount and taxes.")]
        line: LineInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let line_id = uuid_arg(&line_id, "lineId")?;
        let item = line.into_domain()?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.change_invoice_line(&c, id, line_id, item)
        })
    }

    /// Removes a draft line.
    async fn remove_invoice_line(
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
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The line's UUID (`lineId`).")] line_id: ID,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let line_id = uuid_arg(&line_id, "lineId")?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.remove_invoice_line(&c, id, line_id)
        })
    }

    /// Changes a draft's terms and notes.
    async fn update_invoice_terms(
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
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "When the invoice falls due: net days or a fixed date.")]
        terms: DueTermsInput,
        #[graphql(desc = "Free text printed on the invoice; null removes it.")] notes: Option<
            String,
        >,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let terms = terms.into_domain()?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.update_invoice_terms(&c, id, terms, notes)
        })
    }

    /// Issues a draft: numbers it in the tenant's series and freezes its amounts.
    async fn issue_invoice(
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
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The issue date; today in the tenant's timezone if not given.")]
        issue_date: Option<Date>,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let input = IssueInvoice {
            issue_date: issue_date.map(|d| d.0),
        };
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.issue_invoice(&c, id, input)
        })
    }

    /// Records that an invoice was sent.
    async fn mark_invoice_sent(
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
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "Where it was sent (an e-mail address or a channel).")] recipient: String,
        #[graphql(desc = "Further recipients of the same sending.")] cc: Option<Vec<String>>,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let recipients: Vec<String> = std::iter::once(recipient)
            .chain(cc.unwrap_or_default())
            .collect();
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.mark_invoice_sent(&c, id, recipients)
        })
    }

    /// Records a payment against an issued invoice.
    async fn record_payment(
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
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The amount received, in the invoice's currency, and how.")]
        payment: PaymentInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let payment = payment.into_command()?;
        command!(
            ctx,
            idempotency_key,
            expected_version,
            |use_cases, c| async {
                use_cases
                    .record_payment(&c, id, payment)
                    .await
                    .map(|(outcome, _)| outcome)
            }
        )
    }

    /// Settles (part of) an issued invoice with credit another invoice of the
    /// same customer holds (an overpayment, a credit note after payment): the
    /// credit leaves that invoice and settles this one. Retrying with the same
    /// key finishes a move a failure interrupted and never repeats one.
    async fn apply_customer_credit(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(desc = "The UUID of the invoice settled (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "Where the credit comes from and how much.")] credit: AppliedCreditInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let credit = credit.into_command()?;
        command!(ctx, idempotency_key, None, |use_cases, c| async {
            use_cases
                .apply_customer_credit(&c, id, credit)
                .await
                .map(|(outcome, _)| outcome)
        })
    }

    /// Refunds (part of) a payment.
    async fn refund_payment(
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
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The payment refunded and how much of it.")] refund: RefundInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let refund = refund.into_command()?;
        command!(
            ctx,
            idempotency_key,
            expected_version,
            |use_cases, c| async {
                use_cases
                    .refund_payment(&c, id, refund)
                    .await
                    .map(|(outcome, _)| outcome)
            }
        )
    }

    /// Issues a credit note against an issued invoice.
    async fn issue_credit_note(
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
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The gross amount credited and why.")] credit_note: CreditNoteInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let input = credit_note.into_command()?;
        command!(
            ctx,
            idempotency_key,
            expected_version,
            |use_cases, c| async {
                use_cases
                    .issue_credit_note(&c, id, input)
                    .await
                    .map(|(outcome, _)| outcome)
            }
        )
    }

    /// Voids an invoice while nothing was paid or credited, as the tenant's
    /// jurisdiction allows: never under `EU` (issue a credit note), with SAT's
    /// reason under `MX`.
    async fn void_invoice(
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
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "Why, for the record.")] reason: String,
        #[graphql(
            desc = "SAT's reason code and the replacing invoice: required under the MX jurisdiction, refused under the others."
        )]
        sat_cancellation: Option<SatCancellationInput>,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let input = VoidInvoice {
            reason,
            sat_cancellation: sat_cancellation
                .map(SatCancellationInput::into_request)
                .transpose()?,
        };
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.void_invoice(&c, id, input.clone())
        })
    }
}
