//! The customers table: registration, contact and tax details, archiving,
//! and the erasure of a customer's personal data (which also clears where its
//! invoices were sent).

use folio_domain::customer::{ContactDetails, CustomerEvent};
use sqlx::PgConnection;

use crate::event_values::{aggregate_uuid, require_row};
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// Files one customer event.
pub(super) async fn project_customer(
    conn: &mut PgConnection,
    event: &FeedEvent,
    payload: CustomerEvent,
) -> Result<(), ProjectionError> {
    let tenant = event.tenant_id;
    let customer = aggregate_uuid(event)?;
    let result = match payload {
        CustomerEvent::CustomerRegistered { contact, tax, .. } => {
            sqlx::query(
                "INSERT INTO customers (tenant_id, customer_id, name, email, phone, address, tax_id,
                     country, default_currency, payment_terms_days, status, registered_at, updated_at, version,
                     sat_tax_regime, sat_postal_code, sat_cfdi_use)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'ACTIVE', $11, $11, $12, $13, $14, $15)",
            )
            .bind(tenant)
            .bind(customer)
            .bind(&contact.name)
            .bind(&contact.email)
            .bind(&contact.phone)
            .bind(&contact.address)
            .bind(&tax.tax_id)
            .bind(&tax.country)
            .bind(tax.default_currency.code())
            .bind(i32::from(tax.payment_terms_days))
            .bind(event.recorded_at)
            .bind(event.sequence)
            .bind(tax.sat.as_ref().map(|s| &s.tax_regime))
            .bind(tax.sat.as_ref().map(|s| &s.postal_code))
            .bind(tax.sat.as_ref().map(|s| &s.cfdi_use))
            .execute(&mut *conn)
            .await?
        }
        CustomerEvent::CustomerContactUpdated { contact } => {
            set_contact(conn, event, &contact, false).await?
        }
        CustomerEvent::CustomerTaxDetailsUpdated { tax } => {
            sqlx::query(
                "UPDATE customers SET tax_id = $3, country = $4, default_currency = $5,
                     payment_terms_days = $6, updated_at = $7, version = $8,
                     sat_tax_regime = $9, sat_postal_code = $10, sat_cfdi_use = $11
                 WHERE tenant_id = $1 AND customer_id = $2",
            )
            .bind(tenant)
            .bind(customer)
            .bind(&tax.tax_id)
            .bind(&tax.country)
            .bind(tax.default_currency.code())
            .bind(i32::from(tax.payment_terms_days))
            .bind(event.recorded_at)
            .bind(event.sequence)
            .bind(tax.sat.as_ref().map(|s| &s.tax_regime))
            .bind(tax.sat.as_ref().map(|s| &s.postal_code))
            .bind(tax.sat.as_ref().map(|s| &s.cfdi_use))
            .execute(&mut *conn)
            .await?
        }
        CustomerEvent::CustomerArchived { reason } => {
            sqlx::query(
                "UPDATE customers SET status = 'ARCHIVED', archived_reason = $3,
                     updated_at = $4, version = $5
                 WHERE tenant_id = $1 AND customer_id = $2",
            )
            .bind(tenant)
            .bind(customer)
            .bind(&reason)
            .bind(event.recorded_at)
            .bind(event.sequence)
            .execute(&mut *conn)
            .await?
        }
        CustomerEvent::CustomerPersonalDataErased { .. } => {
            // Where its invoices were sent is its personal data too.
            sqlx::query(
                "UPDATE invoices SET sent_to = NULL WHERE tenant_id = $1 AND customer_id = $2",
            )
            .bind(tenant)
            .bind(customer)
            .execute(&mut *conn)
            .await?;
            set_contact(conn, event, &ContactDetails::erased(), true).await?
        }
    };
    require_row(result, event)
}

/// Writes a customer's contact columns (and, for an erasure, when it happened).
async fn set_contact(
    conn: &mut PgConnection,
    event: &FeedEvent,
    contact: &ContactDetails,
    erasure: bool,
) -> Result<sqlx::postgres::PgQueryResult, ProjectionError> {
    Ok(sqlx::query(
        "UPDATE customers SET name = $3, email = $4, phone = $5, address = $6,
             personal_data_erased_at = CASE WHEN $9 THEN $7 ELSE personal_data_erased_at END,
             updated_at = $7, version = $8
         WHERE tenant_id = $1 AND customer_id = $2",
    )
    .bind(event.tenant_id)
    .bind(aggregate_uuid(event)?)
    .bind(&contact.name)
    .bind(&contact.email)
    .bind(&contact.phone)
    .bind(&contact.address)
    .bind(event.recorded_at)
    .bind(event.sequence)
    .bind(erasure)
    .execute(&mut *conn)
    .await?)
}
