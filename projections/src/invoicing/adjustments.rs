//! A draft's allowances and charges on the whole document (`invoice_adjustments`):
//! rows as they are added and removed, replaced at issue by the issued ones with
//! their decided amounts.

use folio_domain::adjustment::{
    AdjustmentSize, DocumentAdjustment, IssuedAdjustment, PricedAdjustment,
};
use folio_domain::ids::AdjustmentId;
use folio_domain::invoice::InvoiceEvent;
use rust_decimal::Decimal;
use sqlx::types::Json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::drafts::{remove_in_order, Ordered};
use crate::event_values::label;
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// Files an allowance or charge added to or removed from a draft; any other
/// event is refused as not one.
pub(super) async fn project_adjustment(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    payload: InvoiceEvent,
) -> Result<(), ProjectionError> {
    match payload {
        InvoiceEvent::DocumentAdjustmentAdded {
            adjustment_id,
            adjustment,
        } => insert(conn, event, invoice, adjustment_id, None, &adjustment, None).await,
        InvoiceEvent::DocumentAdjustmentRemoved { adjustment_id } => {
            let row = Ordered::Adjustment(adjustment_id.0);
            remove_in_order(conn, event, invoice, row).await
        }
        _ => Err(ProjectionError::unfiled(event, "an allowance or charge")),
    }
}

/// Replaces a draft's adjustment rows with the issued ones, in their order and
/// with their amounts.
pub(super) async fn file_issued(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    adjustments: &[IssuedAdjustment],
) -> Result<(), ProjectionError> {
    sqlx::query("DELETE FROM invoice_adjustments WHERE tenant_id = $1 AND invoice_id = $2")
        .bind(event.tenant_id)
        .bind(invoice)
        .execute(&mut *conn)
        .await?;
    for (position, issued) in (1..).zip(adjustments) {
        let adjustment = &issued.adjustment;
        let at = Some(position);
        insert(
            conn,
            event,
            invoice,
            issued.adjustment_id,
            at,
            adjustment,
            Some(&issued.priced),
        )
        .await?;
    }
    Ok(())
}

/// Inserts an adjustment at `position`, or after the last when `None`;
/// `priced` once its amount is decided (at issue).
async fn insert(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    adjustment_id: AdjustmentId,
    position: Option<i32>,
    adjustment: &DocumentAdjustment,
    priced: Option<&PricedAdjustment>,
) -> Result<(), ProjectionError> {
    let (size_kind, size_value): (&str, Decimal) = match adjustment.size {
        AdjustmentSize::Amount { amount } => ("AMOUNT", amount),
        AdjustmentSize::Percent { percent } => ("PERCENT", percent),
    };
    sqlx::query(
        "INSERT INTO invoice_adjustments (tenant_id, invoice_id, adjustment_id, position, kind,
             size_kind, size_value, reason, reason_code, tax, base_amount, amount)
         VALUES ($1, $2, $3,
                 coalesce($4, (SELECT coalesce(max(position), 0) + 1 FROM invoice_adjustments
                               WHERE tenant_id = $1 AND invoice_id = $2)),
                 $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(adjustment_id.0)
    .bind(position)
    .bind(label(&adjustment.kind))
    .bind(size_kind)
    .bind(size_value)
    .bind(&adjustment.reason)
    .bind(&adjustment.reason_code)
    .bind(Json(&adjustment.tax))
    .bind(priced.and_then(|p| p.base_amount))
    .bind(priced.map(|p| p.amount))
    .execute(conn)
    .await?;
    Ok(())
}
