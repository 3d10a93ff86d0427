//! A Mexican invoice's CFDI terms on its row: as a draft sets them
//! (`CfdiTermsSet`, the use NULL for the customer's) and as the issue fixes
//! them (`InvoiceIssued.cfdi`, the use resolved).

use folio_domain::sat::SatPaymentTerms;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::event_values::{label, require_row};
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// Files the payment method, form and use of an invoice; `cfdi_use` is the
/// one stated (none: the customer's).
pub(super) async fn file_cfdi_terms(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    terms: &SatPaymentTerms,
    cfdi_use: Option<&str>,
) -> Result<(), ProjectionError> {
    let result = sqlx::query(
        "UPDATE invoices SET cfdi_payment_method = $3, cfdi_payment_form = $4, cfdi_use = $5
         WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(label(&terms.payment_method))
    .bind(&terms.payment_form)
    .bind(cfdi_use)
    .execute(conn)
    .await?;
    require_row(result, event)
}
