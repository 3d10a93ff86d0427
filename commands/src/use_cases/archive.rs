//! Recording the archive of an issued document: the archiver's outcome (the
//! stored files' hashes) becomes the invoice's `DocumentArchived` event.

use folio_domain::ids::InvoiceId;
use folio_domain::invoice::{ArchivedFile, DocumentOfInvoice, InvoiceCommand, InvoiceError};

use super::{run, UseCases};
use crate::access::Action;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::runner::Request;

impl UseCases {
    /// Records that `document` of the invoice was rendered and stored as
    /// `files`. Recording the same files again changes nothing.
    pub async fn record_document_archive(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        document: DocumentOfInvoice,
        files: Vec<ArchivedFile>,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let archived_at = self.runner.clock().now();
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "ArchiveDocument",
            invoice_id,
            &(document, &files),
            None,
            |_| InvoiceCommand::ArchiveDocument {
                document,
                files: files.clone(),
                archived_at,
            }
        )
    }
}
