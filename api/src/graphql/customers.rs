//! Customers: the `Customer` node with its balances and statement, its queries,
//! and the mutations that register, update, archive and erase customers.

use async_graphql::{ComplexObject, Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use folio_commands::reads::PageRequest;
use folio_projections::invoicing::queries::{
    BalanceRow, CustomerRow, CustomerStatement as StatementRows, StatementEntryRow,
};
use uuid::Uuid;

use super::context::request;
use super::enums::{from_stored, CustomerStatus, ReportAmounts};
use super::ids::{global_id, uuid_arg, NodeKind};
use super::inputs::{ContactInput, CustomerInput, TaxDetailsInput};
use super::loaders::children;
use super::mexico::SatReceiver;
use super::outcome::CommandResult;
use super::paging::{connection, page_weight, List};
use super::scalars::{Date, Decimal};
use crate::error::read;

/// A customer: the party invoices are addressed to.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct Customer {
    /// Opaque global id (for `node(id:)`).
    pub id: ID,
    /// The customer's UUID, as mutations take it.
    pub customer_id: Uuid,
    /// Name on invoices; `[erased]` once its personal data was erased.
    pub name: String,
    /// Billing e-mail; null when not given or erased.
    pub email: Option<String>,
    /// Phone; null when not given or erased.
    pub phone: Option<String>,
    /// Postal address; null when not given or erased.
    pub address: Option<String>,
    /// Tax id (VAT id with its country prefix, RFC, ...); null if unknown.
    pub tax_id: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. `DE`.
    pub country: String,
    /// ISO 4217 code new invoices default to, e.g. `EUR`.
    pub default_currency: String,
    /// Days from issue to due date that new invoices default to.
    pub payment_terms_days: i32,
    /// Mexico: what its CFDIs say of it besides its RFC and name; null if
    /// not stated.
    pub sat: Option<SatReceiver>,
    /// The status label as stored (read through `status`).
    #[graphql(skip)]
    pub stored_status: String,
    /// When its personal data was erased (the name reads `[erased]` and the
    /// contact fields are null from then on); null if never.
    pub personal_data_erased_at: Option<DateTime<Utc>>,
    /// Aggregate version: pass as `expectedVersion` to change it only if nobody
    /// else did meanwhile.
    pub version: i64,
}

impl From<CustomerRow> for Customer {
    fn from(row: CustomerRow) -> Self {
        Customer {
            id: global_id(NodeKind::Customer, row.customer_id),
            customer_id: row.customer_id,
            name: row.name,
            email: row.email,
            phone: row.phone,
            address: row.address,
            tax_id: row.tax_id,
            country: row.country,
            default_currency: row.default_currency,
            payment_terms_days: row.payment_terms_days,
            sat: match (row.sat_tax_regime, row.sat_postal_code, row.sat_cfdi_use) {
                (Some(tax_regime), Some(postal_code), Some(cfdi_use)) => Some(SatReceiver {
                    tax_regime,
                    postal_code,
                    cfdi_use,
                }),
                _ => None,
            },
            stored_status: row.status,
            personal_data_erased_at: row.personal_data_erased_at,
            version: row.version,
        }
    }
}

/// What a customer owes, and is owed, in one currency.
#[derive(Debug, Clone, SimpleObject)]
pub struct Balance {
    /// ISO 4217 code of the amounts.
    pub currency: String,
    /// Issued or sent invoices with something due.
    pub open_invoices: i64,
    /// Sum still owed.
    pub open_amount: Decimal,
    /// The part of `openAmount` past its due date.
    pub overdue_amount: Decimal,
    /// Held for the customer: overpayments and credit notes beyond what was
    /// due, not yet refunded.
    pub credit_amount: Decimal,
    /// `openAmount - creditAmount`: negative when the customer is owed.
    pub balance: Decimal,
}

impl From<BalanceRow> for Balance {
    fn from(row: BalanceRow) -> Self {
        Balance {
            currency: row.currency,
            open_invoices: row.open_invoices,
            open_amount: row.open_amount.into(),
            overdue_amount: row.overdue_amount.into(),
            credit_amount: row.credit_amount.into(),
            balance: row.balance.into(),
        }
    }
}

/// What a statement entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StatementEntryKind {
    /// An invoice issued (+).
    Invoice,
    /// An invoice voided (-, its total).
    InvoiceVoided,
    /// A credit note issued (-).
    CreditNote,
    /// A payment received (-).
    Payment,
    /// (Part of) a payment given back (+).
    Refund,
    /// The exchange gain (+) or loss (-) a payment or refund of an invoice in
    /// a currency foreign to the books realised; only on a statement in the
    /// accounting currency.
    ExchangeDifference,
    /// Credit this invoice held moved to another invoice of the customer (+).
    CreditTransferred,
    /// Credit from another invoice of the customer settled this one (-).
    CreditApplied,
    /// Credit this invoice moved away came back: the other invoice never took it (-).
    CreditReturned,
}

/// One document or money movement on a customer's statement.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct StatementEntry {
    /// Issue date, void date, value date of the payment, or refund date.
    pub date: Date,
    /// The kind label as stored (read through `kind`).
    #[graphql(skip)]
    pub stored_kind: String,
    /// The UUID of the invoice the entry belongs to.
    pub invoice_id: Uuid,
    /// Invoice or credit-note number; the payer's reference for money.
    pub document_number: Option<String>,
    /// Signed: positive raises what the customer owes, negative lowers it.
    pub amount: Decimal,
    /// The balance after this entry.
    pub balance: Decimal,
}

#[ComplexObject]
impl StatementEntry {
    /// What the entry is.
    async fn kind(&self) -> async_graphql::Result<StatementEntryKind> {
        from_stored(&self.stored_kind)
    }
}

impl From<StatementEntryRow> for StatementEntry {
    fn from(row: StatementEntryRow) -> Self {
        StatementEntry {
            date: row.entry_date.into(),
            stored_kind: row.kind,
            invoice_id: row.invoice_id,
            document_number: row.document_number,
            amount: row.amount.into(),
            balance: row.balance.into(),
        }
    }
}

/// A customer's statement for a period in one currency; a negative balance
/// is owed to the customer.
#[derive(Debug, Clone, SimpleObject)]
pub struct CustomerStatement {
    /// ISO 4217 code of the amounts.
    pub currency: String,
    /// First day of the period.
    pub from: Date,
    /// Last day of the period.
    pub to: Date,
    /// The balance before `from`.
    pub opening_balance: Decimal,
    /// The period's entries, by date.
    pub entries: Vec<StatementEntry>,
    /// The balance at the end of `to`: the opening balance plus every entry.
    pub closing_balance: Decimal,
}

#[ComplexObject]
impl Customer {
    /// The customer's statement from `from` to `to` (both included) in one
    /// currency: opening balance, invoices, voids, credit notes, payments and
    /// refunds with the running balance, and the closing balance.
    async fn statement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ISO 4217 code, e.g. EUR.")] currency: String,
        #[graphql(desc = "First day of the period.")] from: Date,
        #[graphql(desc = "Last day of the period.")] to: Date,
        #[graphql(
            desc = "Each document's own amounts, or the books': `currency` is then the accounting currency, an invoice in another counts at what it recorded there, a payment or refund at its rate, and the exchange differences they realised are entries of their own.",
            default
        )]
        amounts: ReportAmounts,
    ) -> async_graphql::Result<CustomerStatement> {
        let (
            currency,
            StatementRows {
                opening_balance,
                entries,
                closing_balance,
            },
        ) = request(ctx)?
            .reads
            .customer_statement(self.customer_id, &currency, (from.0, to.0), amounts.into())
            .await
            .map_err(read)?;
        Ok(CustomerStatement {
            currency,
            from,
            to,
            opening_balance: opening_balance.into(),
            entries: entries.into_iter().map(Into::into).collect(),
            closing_balance: closing_balance.into(),
        })
    }

    /// Whether the customer can be invoiced.
    async fn status(&self) -> async_graphql::Result<CustomerStatus> {
        from_stored(&self.stored_status)
    }

    /// Balance per currency; empty when nothing is owed either way.
    async fn balances(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Balance>> {
        children::<BalanceRow, Balance>(ctx, self.customer_id).await
    }
}

/// One customer of the caller's tenant, or null (also for another tenant's),
/// once the read models reached `token`.
pub(crate) async fn customer_by_id(
    ctx: &Context<'_>,
    customer_id: Uuid,
    token: Option<&str>,
) -> async_graphql::Result<Option<Customer>> {
    let row = request(ctx)?
        .reads
        .customer(customer_id, token)
        .await
        .map_err(read)?;
    Ok(row.map(Customer::from))
}

/// The customer queries.
#[derive(Debug, Default)]
pub struct CustomerQuery;

#[Object]
impl CustomerQuery {
    /// Customers of the caller's tenant, by name (accountants, auditors, admins).
    #[graphql(complexity = "page_weight(first) * child_complexity")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only customers whose name contains this (any case).")] search: Option<
            String,
        >,
        #[graphql(desc = "Page size, 20 if not given; at most the server's page limit.")]
        first: Option<i32>,
        #[graphql(desc = "The cursor of the last edge of the previous page.")] after: Option<
            String,
        >,
        #[graphql(desc = "A mutation's consistencyToken: wait until this read shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<List<Customer>> {
        let slice = request(ctx)?
            .reads
            .customers(
                search.as_deref(),
                &PageRequest { first, after },
                consistency_token.as_deref(),
            )
            .await
            .map_err(read)?;
        Ok(connection(slice))
    }

    /// One customer by its UUID, or null if the caller's tenant has none such.
    async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's UUID (`customerId`).")] id: ID,
        #[graphql(desc = "A mutation's consistencyToken: wait until this read shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<Option<Customer>> {
        let id = uuid_arg(&id, "id")?;
        customer_by_id(ctx, id, consistency_token.as_deref()).await
    }
}

/// The customer mutations (accountants and admins; erasure admins only).
#[derive(Debug, Default)]
pub struct CustomerMutation;

#[Object]
impl CustomerMutation {
    /// Registers a customer; its id is derived from the idempotency key.
    async fn register_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(desc = "Contact and tax details of the new customer.")] input: CustomerInput,
    ) -> async_graphql::Result<CommandResult> {
        let input = input.into_command()?;
        command!(ctx, idempotency_key, None, |use_cases, c| use_cases
            .register_customer(&c, input))
    }

    /// Replaces a customer's contact details (personal data, sealed at rest).
    async fn update_customer_contact(
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
        #[graphql(desc = "The customer's UUID (`customerId`).")] customer_id: ID,
        #[graphql(desc = "The new contact details; they replace the old ones whole.")]
        contact: ContactInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&customer_id, "customerId")?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.update_customer_contact(&c, id, contact.into())
        })
    }

    /// Replaces a customer's tax details (tax id, country, currency, terms).
    async fn update_customer_tax_details(
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
        #[graphql(desc = "The customer's UUID (`customerId`).")] customer_id: ID,
        #[graphql(desc = "The new tax details; they replace the old ones whole.")]
        tax: TaxDetailsInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&customer_id, "customerId")?;
        let tax = tax.into_domain()?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.update_customer_tax_details(&c, id, tax)
        })
    }

    /// Archives a customer: it stays on record, new drafts for it are refused.
    async fn archive_customer(
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
        #[graphql(desc = "The customer's UUID (`customerId`).")] customer_id: ID,
        #[graphql(desc = "Why, for the record.")] reason: String,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&customer_id, "customerId")?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.archive_customer(&c, id, reason)
        })
    }

    /// Erases a customer's personal data for good (admins only): its contact
    /// details read as `[erased]` and its invoices' recipients as none everywhere
    /// from then on, history included, while its invoices, amounts and the audit
    /// chains stay intact. Erasing again changes nothing.
    async fn erase_customer_personal_data(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(desc = "The customer's UUID (`customerId`).")] customer_id: ID,
        #[graphql(desc = "Why, e.g. the data-subject request's reference.")] reason: String,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&customer_id, "customerId")?;
        command!(ctx, idempotency_key, None, |use_cases, c| {
            use_cases.erase_customer_personal_data(&c, id, reason)
        })
    }
}
