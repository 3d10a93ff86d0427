//! A draft's rows: the invoice row as the draft creates it, its lines as they
//! are added, changed and removed, and its terms. Issuing replaces the lines
//! with the issued ones (`lifecycle`).

use chrono::NaiveDate;
use folio_domain::ids::{CustomerId, LineId};
use folio_domain::invoice::{DueTerms, InvoiceEvent};
use folio_domain::money::Currency;
use folio_domain::pricing::{Discount, LineItem, PriceBasis, PricedLine};
use rust_decimal::Decimal;
use sqlx::types::Json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::event_values::{label, require_row};
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// Files one event of a draft; any other event is refused as not a draft's.
pub(super) async fn project_draft(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    payload: InvoiceEvent,
) -> Result<(), ProjectionError> {
    match payload {
        InvoiceEvent::DraftCreated {
            customer_id,
            currency,
            due_terms,
            notes,
            price_basis,
            ..
        } => {
            let draft = Draft {
                customer_id,
                currency,
                due_terms: &due_terms,
                notes: notes.as_deref(),
                price_basis,
            };
            create(conn, event, invoice, draft).await
        }
        InvoiceEvent::LineAdded { line_id, item } => {
            insert_line(conn, event, invoice, line_id.0, None, &item, None).await
        }
        InvoiceEvent::LineChanged { line_id, item } => {
            change_line(conn, event, invoice, line_id, &item).await
        }
        InvoiceEvent::LineRemoved { line_id } => remove_line(conn, event, invoice, line_id).await,
        InvoiceEvent::DraftTermsUpdated { due_terms, notes } => {
            let (due_date, net_days) = due_terms_columns(&due_terms);
            let result = sqlx::query(
                "UPDATE invoices SET due_date = $3, net_days = $4, notes = $5
                 WHERE tenant_id = $1 AND invoice_id = $2",
            )
            .bind(event.tenant_id)
            .bind(invoice)
            .bind(due_date)
            .bind(net_days)
            .bind(&notes)
            .execute(&mut *conn)
            .await?;
            require_row(result, event)
        }
        _ => Err(ProjectionError::unfiled(event, "a draft")),
    }
}

/// What `DraftCreated` files.
struct Draft<'a> {
    customer_id: CustomerId,
    currency: Currency,
    due_terms: &'a DueTerms,
    notes: Option<&'a str>,
    price_basis: PriceBasis,
}

/// Inserts the invoice row of a new draft, at the event's version.
async fn create(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    draft: Draft<'_>,
) -> Result<(), ProjectionError> {
    let (due_date, net_days) = due_terms_columns(draft.due_terms);
    sqlx::query(
        "INSERT INTO invoices (tenant_id, invoice_id, customer_id, status, currency,
             due_date, net_days, notes, created_at, updated_at, version, price_basis)
         VALUES ($1, $2, $3, 'DRAFT', $4, $5, $6, $7, $8, $8, $9, $10)",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(draft.customer_id.0)
    .bind(draft.currency.code())
    .bind(due_date)
    .bind(net_days)
    .bind(draft.notes)
    .bind(event.recorded_at)
    .bind(event.sequence)
    .bind(label(&draft.price_basis))
    .execute(conn)
    .await?;
    Ok(())
}

/// Rewrites a draft line's item.
async fn change_line(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    line_id: LineId,
    item: &LineItem,
) -> Result<(), ProjectionError> {
    let (discount_kind, discount_value) = discount_columns(item);
    let result = sqlx::query(
        "UPDATE invoice_lines SET description = $4, quantity = $5, unit_price = $6,
             discount_kind = $7, discount_value = $8, taxes = $9, price_basis = $10,
             sat_product_key = $11, sat_unit_key = $12, sat_tax_object = $13
         WHERE tenant_id = $1 AND invoice_id = $2 AND line_id = $3",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(line_id.0)
    .bind(&item.description)
    .bind(item.quantity)
    .bind(item.unit_price)
    .bind(discount_kind)
    .bind(discount_value)
    .bind(Json(&item.taxes))
    .bind(label(&item.price_basis))
    .bind(item.sat.as_ref().map(|k| &k.product_key))
    .bind(item.sat.as_ref().map(|k| &k.unit_key))
    .bind(item.sat.as_ref().and_then(|k| k.tax_object.as_ref()))
    .execute(conn)
    .await?;
    require_row(result, event)
}

/// Deletes a draft line and closes the gap in the positions after it.
async fn remove_line(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    line_id: LineId,
) -> Result<(), ProjectionError> {
    remove_in_order(conn, event, invoice, Ordered::Line(line_id.0)).await
}

/// A row of a draft kept in order by its `position`.
pub(super) enum Ordered {
    /// An `invoice_lines` row, by its line id.
    Line(Uuid),
    /// An `invoice_adjustments` row, by its adjustment id.
    Adjustment(Uuid),
}

/// Deletes a draft's line or adjustment and closes the gap in the positions
/// after it.
pub(super) async fn remove_in_order(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    row: Ordered,
) -> Result<(), ProjectionError> {
    let (table, key, id) = match row {
        Ordered::Line(id) => ("invoice_lines", "line_id", id),
        Ordered::Adjustment(id) => ("invoice_adjustments", "adjustment_id", id),
    };
    let position: Option<i32> = sqlx::query_scalar(&format!(
        "DELETE FROM {table} WHERE tenant_id = $1 AND invoice_id = $2 AND {key} = $3
         RETURNING position"
    ))
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let position = position.ok_or_else(|| ProjectionError::missing_row(event))?;
    sqlx::query(&format!(
        "UPDATE {table} SET position = position - 1
         WHERE tenant_id = $1 AND invoice_id = $2 AND position > $3"
    ))
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(position)
    .execute(conn)
    .await?;
    Ok(())
}

/// A draft's due terms as the `due_date` and `net_days` columns.
fn due_terms_columns(terms: &DueTerms) -> (Option<NaiveDate>, Option<i32>) {
    match terms {
        DueTerms::NetDays { days } => (None, Some(i32::from(*days))),
        DueTerms::OnDate { date } => (Some(*date), None),
    }
}

/// A line's discount as the `discount_kind` and `discount_value` columns.
fn discount_columns(item: &LineItem) -> (Option<&'static str>, Option<Decimal>) {
    match &item.discount {
        None => (None, None),
        Some(Discount::Percent { percent }) => (Some("PERCENT"), Some(*percent)),
        Some(Discount::Amount { amount }) => (Some("AMOUNT"), Some(*amount)),
    }
}

/// Inserts a line at `position`, or after the last when `None`; `priced` when
/// the line's amounts are known (an issued line).
pub(super) async fn insert_line(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    line_id: Uuid,
    position: Option<i32>,
    item: &LineItem,
    priced: Option<&PricedLine>,
) -> Result<(), ProjectionError> {
    let (discount_kind, discount_value) = discount_columns(item);
    sqlx::query(
        "INSERT INTO invoice_lines (tenant_id, invoice_id, line_id, position, description, quantity,
             unit_price, discount_kind, discount_value, taxes, discount_amount, net_amount,
             tax_amount, total_amount, price_basis, sat_product_key, sat_unit_key, sat_tax_object)
         VALUES ($1, $2, $3,
                 coalesce($4, (SELECT coalesce(max(position), 0) + 1 FROM invoice_lines
                               WHERE tenant_id = $1 AND invoice_id = $2)),
                 $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(line_id)
    .bind(position)
    .bind(&item.description)
    .bind(item.quantity)
    .bind(item.unit_price)
    .bind(discount_kind)
    .bind(discount_value)
    .bind(Json(&item.taxes))
    .bind(priced.map(|p| p.discount_amount))
    .bind(priced.map(|p| p.net_amount))
    .bind(priced.map(|p| p.tax_amount))
    .bind(priced.map(|p| p.total_amount))
    .bind(label(&item.price_basis))
    .bind(item.sat.as_ref().map(|k| &k.product_key))
    .bind(item.sat.as_ref().map(|k| &k.unit_key))
    .bind(item.sat.as_ref().and_then(|k| k.tax_object.as_ref()))
    .execute(conn)
    .await?;
    Ok(())
}
