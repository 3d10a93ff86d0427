//! Reads of the invoicing read model: customers, invoices, credit notes and
//! payments, one at a time or a page at a time, and the rows that belong to
//! them (lines, payments, balances, archived files) for many parents at once.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use chrono::NaiveDate;
use folio_projections::invoicing::queries::{
    self, ArchivedFileRow, BalanceRow, ComplementFileRow, CreditNoteFileRow, CreditNoteLineRow,
    CreditNoteRow, CustomerRow, CustomerStatement, InvoiceAdjustmentRow, InvoiceFilter,
    InvoiceLineRow, InvoiceOrder, InvoiceRow, PaymentComplementRow, PaymentRow,
};
use folio_projections::reading::{report_currency, ReportAmounts, Slice};
use schemars::JsonSchema;
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{PageRequest, ReadError, Reads};
use crate::access::Action;

/// A future a [`ChildRows`] query returns.
pub type RowsFuture<'c, T> = Pin<Box<dyn Future<Output = Result<Vec<T>, sqlx::Error>> + Send + 'c>>;

/// Rows that belong to a parent (an invoice's lines, a customer's balances),
/// read for many parents in one query.
pub trait ChildRows: Sized + Send + 'static {
    /// The parent's id.
    fn parent(&self) -> Uuid;
    /// The rows of every parent in `parents`, in display order.
    fn query<'c>(conn: &'c mut PgConnection, parents: &'c [Uuid]) -> RowsFuture<'c, Self>;
}

macro_rules! child_rows {
    ($row:ty, |$r:ident| $parent:expr, $query:path) => {
        impl ChildRows for $row {
            fn parent(&self) -> Uuid {
                let $r = self;
                $parent
            }
            fn query<'c>(conn: &'c mut PgConnection, parents: &'c [Uuid]) -> RowsFuture<'c, Self> {
                Box::pin($query(conn, parents))
            }
        }
    };
}

child_rows!(InvoiceLineRow, |r| r.invoice_id, queries::lines_of);
child_rows!(
    InvoiceAdjustmentRow,
    |r| r.invoice_id,
    queries::adjustments_of
);
child_rows!(PaymentRow, |r| r.invoice_id, queries::payments_of);
child_rows!(
    PaymentComplementRow,
    |r| r.payment_id,
    queries::complements_of
);
child_rows!(CreditNoteRow, |r| r.invoice_id, queries::credit_notes_of);
child_rows!(BalanceRow, |r| r.customer_id, queries::balances_of);
child_rows!(
    CreditNoteLineRow,
    |r| r.credit_note_id,
    queries::credit_note_lines_of
);
child_rows!(ArchivedFileRow, |r| r.parent, queries::invoice_files_of);
child_rows!(
    CreditNoteFileRow,
    |r| r.file.parent,
    queries::credit_note_files_of
);
child_rows!(
    ComplementFileRow,
    |r| r.file.parent,
    queries::complement_files_of
);

/// An invoice with everything printed on it or recorded against it, read in
/// one transaction so its totals and its rows agree.
#[derive(Debug, Serialize, JsonSchema)]
pub struct InvoiceDetail {
    /// The invoice, with totals and payment status as of today.
    pub invoice: InvoiceRow,
    /// Its lines, in order.
    pub lines: Vec<InvoiceLineRow>,
    /// Its allowances and charges on the whole document, in order.
    pub adjustments: Vec<InvoiceAdjustmentRow>,
    /// Payments received, by value date.
    pub payments: Vec<PaymentRow>,
    /// Credit notes issued against it, by number.
    pub credit_notes: Vec<CreditNoteRow>,
}

impl Reads {
    /// Customers by name, only those whose name contains `search` (any case)
    /// when given.
    pub async fn customers(
        &self,
        search: Option<&str>,
        page: &PageRequest,
        token: Option<&str>,
    ) -> Result<Slice<CustomerRow>, ReadError> {
        self.caller.require(Action::ReadInvoicing)?;
        let page = self.page(page)?;
        let mut tx = self.open(Action::ReadInvoicing, token).await?;
        Ok(queries::customers(&mut tx, search, page).await?)
    }

    /// One customer; `None` also for another tenant's.
    pub async fn customer(
        &self,
        customer_id: Uuid,
        token: Option<&str>,
    ) -> Result<Option<CustomerRow>, ReadError> {
        self.caller.require(Action::ReadInvoicing)?;
        let mut tx = self.open(Action::ReadInvoicing, token).await?;
        Ok(queries::customer(&mut tx, customer_id).await?)
    }

    /// A customer's statement in `currency` (any case) from `from` to `to`, both
    /// included, in each document's own amounts or as the books hold them
    /// (`amounts`), with the currency as read (upper-cased). Read as part of
    /// the customer, so it waits for no token of its own.
    pub async fn customer_statement(
        &self,
        customer_id: Uuid,
        currency: &str,
        (from, to): (NaiveDate, NaiveDate),
        amounts: ReportAmounts,
    ) -> Result<(String, CustomerStatement), ReadError> {
        self.caller.require(Action::ReadInvoicing)?;
        if from > to {
            return Err(ReadError::Invalid(
                "the statement's `from` is after its `to`".into(),
            ));
        }
        let currency = report_currency(Some(currency))?.unwrap_or_default();
        let mut tx = self.tenant().await?;
        let statement =
            queries::customer_statement(&mut tx, customer_id, &currency, (from, to), amounts)
                .await?;
        Ok((currency, statement))
    }

    /// Invoices matching `filter`, in `order`.
    pub async fn invoices(
        &self,
        filter: &InvoiceFilter,
        order: InvoiceOrder,
        page: &PageRequest,
        token: Option<&str>,
    ) -> Result<Slice<InvoiceRow>, ReadError> {
        self.caller.require(Action::ReadInvoicing)?;
        let page = self.page(page)?;
        let mut tx = self.open(Action::ReadInvoicing, token).await?;
        Ok(queries::invoices(&mut tx, filter, order, page).await?)
    }

    /// One invoice, with its totals and payment status as of today.
    pub async fn invoice(
        &self,
        invoice_id: Uuid,
        token: Option<&str>,
    ) -> Result<Option<InvoiceRow>, ReadError> {
        self.caller.require(Action::ReadInvoicing)?;
        let mut tx = self.open(Action::ReadInvoicing, token).await?;
        Ok(queries::invoice(&mut tx, invoice_id).await?)
    }

    /// One invoice with its lines, payments and credit notes; `None` also for
    /// another tenant's.
    pub async fn invoice_detail(
        &self,
        invoice_id: Uuid,
        token: Option<&str>,
    ) -> Result<Option<InvoiceDetail>, ReadError> {
        self.caller.require(Action::ReadInvoicing)?;
        let mut tx = self.open(Action::ReadInvoicing, token).await?;
        let Some(invoice) = queries::invoice(&mut tx, invoice_id).await? else {
            return Ok(None);
        };
        let parent = [invoice_id];
        Ok(Some(InvoiceDetail {
            invoice,
            lines: queries::lines_of(&mut tx, &parent).await?,
            adjustments: queries::adjustments_of(&mut tx, &parent).await?,
            payments: queries::payments_of(&mut tx, &parent).await?,
            credit_notes: queries::credit_notes_of(&mut tx, &parent).await?,
        }))
    }

    /// One credit note.
    pub async fn credit_note(
        &self,
        credit_note_id: Uuid,
        token: Option<&str>,
    ) -> Result<Option<CreditNoteRow>, ReadError> {
        self.caller.require(Action::ReadInvoicing)?;
        let mut tx = self.open(Action::ReadInvoicing, token).await?;
        Ok(queries::credit_note(&mut tx, credit_note_id).await?)
    }

    /// One payment (or refund).
    pub async fn payment(
        &self,
        payment_id: Uuid,
        token: Option<&str>,
    ) -> Result<Option<PaymentRow>, ReadError> {
        self.caller.require(Action::ReadInvoicing)?;
        let mut tx = self.open(Action::ReadInvoicing, token).await?;
        Ok(queries::payment(&mut tx, payment_id).await?)
    }

    /// The `T` rows of each of `parents`, by parent, in display order. They
    /// are read as part of their parents, so they wait for no token of their own.
    pub async fn children<T: ChildRows>(
        &self,
        parents: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<T>>, ReadError> {
        self.caller.require(Action::ReadInvoicing)?;
        let mut tx = self.tenant().await?;
        let mut by_parent: HashMap<Uuid, Vec<T>> = HashMap::new();
        for row in T::query(&mut tx, parents).await? {
            by_parent.entry(row.parent()).or_default().push(row);
        }
        Ok(by_parent)
    }
}
