//! The invoices the dunning process may remind of, as it reads them: from the
//! invoicing read model, across tenants.

use std::ops::RangeInclusive;

use async_trait::async_trait;
use chrono::NaiveDate;
use folio_commands::dunning::ReminderCandidates;
use folio_commands::{LateFeeDue, LedgerError, ReminderCandidate};
use folio_domain::email::is_email_address;
use folio_domain::ids::{CustomerId, InvoiceId, TenantId};
use folio_domain::money::{Currency, Money};
use folio_projections::invoicing::queries::{
    late_fees_to_invoice, reminder_candidates, LateFeeRow, ReminderCandidateRow,
};
use sqlx::PgPool;

/// [`ReminderCandidates`] over `folio_read.invoices`.
#[derive(Debug, Clone)]
pub struct PgReminderCandidates {
    pool: PgPool,
}

impl PgReminderCandidates {
    /// Reads through `pool`.
    pub fn new(pool: PgPool) -> Self {
        PgReminderCandidates { pool }
    }
}

#[async_trait]
impl ReminderCandidates for PgReminderCandidates {
    async fn open_due_within(
        &self,
        due: RangeInclusive<NaiveDate>,
        after: Option<(TenantId, InvoiceId)>,
        limit: usize,
    ) -> Result<Vec<ReminderCandidate>, LedgerError> {
        let after = after.map(|(tenant, invoice)| (tenant.0, invoice.0));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = reminder_candidates(&self.pool, (*due.start(), *due.end()), after, limit)
            .await
            .map_err(|e| LedgerError::Unavailable(Box::new(e)))?;
        Ok(rows.into_iter().map(candidate).collect())
    }

    async fn late_fees_to_invoice(&self, limit: usize) -> Result<Vec<LateFeeDue>, LedgerError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = late_fees_to_invoice(&self.pool, limit)
            .await
            .map_err(|e| LedgerError::Unavailable(Box::new(e)))?;
        rows.into_iter().map(late_fee).collect()
    }
}

fn late_fee(row: LateFeeRow) -> Result<LateFeeDue, LedgerError> {
    let currency = Currency::from_code(&row.currency)
        .map_err(|e| LedgerError::Internal(e.to_string().into()))?;
    Ok(LateFeeDue {
        tenant_id: TenantId(row.tenant_id),
        invoice_id: InvoiceId(row.invoice_id),
        number: row.number,
        step: u8::try_from(row.step).unwrap_or(u8::MAX),
        customer_id: CustomerId(row.customer_id),
        country: row.country.unwrap_or_default(),
        fee: Money::new(row.late_fee, currency),
        tax_rate_key: row.tax_rate_key,
        fee_invoice_id: InvoiceId(row.fee_invoice_id),
        recipients: recipients(row.sent_to.as_deref(), row.customer_email.as_deref()),
    })
}

fn candidate(row: ReminderCandidateRow) -> ReminderCandidate {
    ReminderCandidate {
        tenant_id: TenantId(row.tenant_id),
        invoice_id: InvoiceId(row.invoice_id),
        due_date: row.due_date,
        reminders_sent: u8::try_from(row.reminders_sent).unwrap_or(u8::MAX),
        recipients: recipients(row.sent_to.as_deref(), row.customer_email.as_deref()),
        is_late_fee: row.is_late_fee,
    }
}

/// Where a reminder goes: the e-mail addresses the invoice was last sent to
/// (`sent_to` joins them with ", "; an invoice sent by post names no
/// address), else the customer's billing address, else nobody.
fn recipients(sent_to: Option<&str>, customer_email: Option<&str>) -> Vec<String> {
    let sent: Vec<String> = sent_to
        .unwrap_or_default()
        .split(", ")
        .map(str::trim)
        .filter(|r| is_email_address(r))
        .map(str::to_owned)
        .collect();
    if !sent.is_empty() {
        return sent;
    }
    customer_email
        .map(str::trim)
        .filter(|e| is_email_address(e))
        .map(|e| vec![e.to_owned()])
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::recipients;

    #[test]
    fn a_reminder_goes_where_the_invoice_went_else_to_the_billing_address() {
        assert_eq!(
            recipients(
                Some("ap@acme.example, cfo@acme.example"),
                Some("billing@acme.example")
            ),
            ["ap@acme.example", "cfo@acme.example"]
        );
        assert_eq!(
            recipients(Some("By post"), Some(" billing@acme.example ")),
            ["billing@acme.example"]
        );
        assert_eq!(recipients(None, None), Vec::<String>::new());
        assert_eq!(
            recipients(Some("Portal"), Some("not an address")),
            Vec::<String>::new()
        );
    }
}
