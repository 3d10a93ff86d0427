//! The fiscal stamp of each CFDI of a Mexican invoice on its row (the
//! invoice's own on `invoices`, a payment's complement on
//! `payment_complements`, a credit note's on `credit_notes`): PENDING, the
//! CFDI sealed for the PAC, then STAMPED with its fiscal folio or REJECTED
//! with the PAC's words, and PENDING again when a user asks once more.

use folio_domain::invoice::{DocumentOfInvoice, StampStep};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::event_values::require_row;
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// The zone `FechaTimbrado` is written in: Mexico's central time.
pub(super) const STAMP_ZONE: &str = "America/Mexico_City";

/// Marks an invoice just issued under MX as awaiting its stamp.
pub(super) async fn file_stamp_pending(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
) -> Result<(), ProjectionError> {
    let result = sqlx::query(
        "UPDATE invoices SET cfdi_status = 'PENDING' WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .execute(conn)
    .await?;
    require_row(result, event)
}

/// Where a CFDI's stamp is filed: its table, the column keying its row, the
/// prefix of its stamp's columns, and the row's key.
struct StampRow {
    table: &'static str,
    key_column: &'static str,
    prefix: &'static str,
    key: Uuid,
}

impl StampRow {
    fn of(document: DocumentOfInvoice, invoice: Uuid) -> StampRow {
        let (table, key_column, prefix, key) = match document {
            DocumentOfInvoice::Invoice => ("invoices", "invoice_id", "cfdi_", invoice),
            DocumentOfInvoice::PaymentComplement { payment_id } => {
                ("payment_complements", "payment_id", "", payment_id.0)
            }
            DocumentOfInvoice::CreditNote { credit_note_id } => {
                ("credit_notes", "credit_note_id", "cfdi_", credit_note_id.0)
            }
        };
        StampRow {
            table,
            key_column,
            prefix,
            key,
        }
    }

    /// `UPDATE` of the row setting `assignments`, whose columns are named
    /// without the prefix (`{p}` stands for it).
    fn update(&self, assignments: &str) -> String {
        format!(
            "UPDATE {} SET {} WHERE tenant_id = $1 AND {} = $2",
            self.table,
            assignments.replace("{p}", self.prefix),
            self.key_column
        )
    }

    /// `sql` with the row's tenant and key bound as `$1` and `$2`.
    fn query<'q>(
        &self,
        sql: &'q str,
        event: &FeedEvent,
    ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        sqlx::query(sql).bind(event.tenant_id).bind(self.key)
    }
}

/// Files `step` of `document`'s CFDI on its row.
pub(super) async fn project_stamp_step(
    conn: &mut PgConnection,
    event: &FeedEvent,
    (invoice, document): (Uuid, DocumentOfInvoice),
    step: StampStep,
) -> Result<(), ProjectionError> {
    let row = StampRow::of(document, invoice);
    let sql: String;
    let query = match step {
        StampStep::Seal(seal) => {
            sql = row
                .update("{p}sealed_at = $3, {p}certificate_number = $4, {p}sealed_xml_sha256 = $5");
            row.query(&sql, event)
                .bind(seal.sealed_at)
                .bind(seal.certificate_number)
                .bind(seal.xml.sha256)
        }
        StampStep::Stamp(stamp) => {
            sql = row.update(
                "{p}status = 'STAMPED', {p}uuid = $3, {p}stamped_at = $4 AT TIME ZONE $5,
                 {p}pac_rfc = $6, {p}sat_certificate_number = $7, {p}xml_sha256 = $8,
                 {p}rejection_code = NULL, {p}rejection_message = NULL, {p}rejected_at = NULL",
            );
            row.query(&sql, event)
                .bind(stamp.uuid)
                .bind(stamp.stamped_on)
                .bind(STAMP_ZONE)
                .bind(stamp.pac_rfc)
                .bind(stamp.sat_certificate_number)
                .bind(stamp.xml.sha256)
        }
        StampStep::Rejection(rejection) => {
            sql = row.update(
                "{p}status = 'REJECTED', {p}rejection_code = $3, {p}rejection_message = $4,
                 {p}rejected_at = $5",
            );
            row.query(&sql, event)
                .bind(rejection.code)
                .bind(rejection.message)
                .bind(rejection.rejected_at)
        }
        StampStep::Request { .. } => {
            sql = row.update(
                "{p}status = 'PENDING', {p}sealed_at = NULL, {p}certificate_number = NULL,
                 {p}sealed_xml_sha256 = NULL, {p}rejection_code = NULL,
                 {p}rejection_message = NULL, {p}rejected_at = NULL",
            );
            row.query(&sql, event)
        }
    };
    let result = query.execute(conn).await?;
    require_row(result, event)
}
