//! Mexico's credit notes in GraphQL: where a credit note's CFDI (type E,
//! related to the invoice's fiscal folio) stands (`CreditNote.cfdiStamp`,
//! from the read model). Sealing and stamping are `folio serve`'s process,
//! never a call inside a mutation; `requestCreditNoteStamp` asks again after
//! the PAC refused it.

use async_graphql::{ComplexObject, Context, SimpleObject};
use chrono::{DateTime, Utc};
use folio_projections::invoicing::queries::CreditNoteRow;
use uuid::Uuid;

use super::cfdi_failure::{latest_failure, CfdiProcess, CfdiStampFailure};
use super::stamps::{CfdiRejection, CfdiStampStatus};

/// The CFDI of type E a credit note against a stamped Mexican invoice is:
/// sealed and stamped with its own fiscal folio once issued.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct CreditNoteCfdi {
    /// The credit note (for `failure`).
    #[graphql(skip)]
    pub credit_note_id: Uuid,
    /// Where its stamp stands: PENDING until the PAC stamps it.
    pub status: CfdiStampStatus,
    /// Its own fiscal folio, once stamped.
    pub uuid: Option<Uuid>,
    /// When the XML sent to the PAC was sealed.
    pub sealed_at: Option<DateTime<Utc>>,
    /// When the PAC stamped it.
    pub stamped_at: Option<DateTime<Utc>>,
    /// The PAC's refusal, while `REJECTED`.
    pub rejection: Option<CfdiRejection>,
}

impl CreditNoteCfdi {
    /// The CFDI of a credit note's row; none when its invoice is not one.
    pub fn of_row(row: &CreditNoteRow) -> Option<CreditNoteCfdi> {
        let status = CfdiStampStatus::of_stored(row.cfdi_status.as_deref()?)?;
        let rejection = row
            .cfdi_rejection_code
            .clone()
            .zip(row.cfdi_rejection_message.clone())
            .map(|(code, message)| CfdiRejection { code, message });
        Some(CreditNoteCfdi {
            credit_note_id: row.credit_note_id,
            status,
            uuid: row.cfdi_uuid,
            sealed_at: row.cfdi_sealed_at,
            stamped_at: row.cfdi_stamped_at,
            rejection,
        })
    }
}

#[ComplexObject]
impl CreditNoteCfdi {
    /// Why the latest attempt to seal or send it failed (the PAC away, no
    /// CSD in force); null while none failed since the PAC last answered.
    /// It is retried, twice as late each time, at most an hour.
    async fn failure(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CfdiStampFailure>> {
        if self.status != CfdiStampStatus::Pending {
            return Ok(None);
        }
        latest_failure(ctx, CfdiProcess::CreditNoteStamping, self.credit_note_id).await
    }
}
