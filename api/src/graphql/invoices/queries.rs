//! The invoice queries: the list with its filter and order, and one invoice,
//! credit note or payment by id.

use async_graphql::{Context, Enum, InputObject, Object, ID};
use folio_commands::reads::PageRequest;
use folio_projections::invoicing::queries::{InvoiceFilter as RowFilter, InvoiceOrder};
use uuid::Uuid;

use super::types::{CreditNote, Invoice, Payment};
use crate::error::read;
use crate::graphql::context::request;
use crate::graphql::enums::InvoiceStatus;
use crate::graphql::ids::uuid_arg;
use crate::graphql::paging::{connection, page_weight, List};
use crate::graphql::scalars::Date;

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
