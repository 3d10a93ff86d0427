//! The e-mails of an invoice Folio sends, the invoice itself and its
//! payment reminders: from the seller's name (or the
//! tenant's sender name), replies to the seller's contact address (or the
//! tenant's reply-to), the Factur-X PDF archived at issue time attached byte
//! for byte (its SHA-256 is the one recorded on the invoice), the archived UBL
//! beside it when the tenant wants the e-invoice XML, a blind copy to the
//! tenant's records when it asks for one, and a short text (plain and HTML)
//! with the amount and the due date, in the language of the customer's
//! country.
//!
//! It is composed when it is sent, from the invoice's events, the tenant's
//! settings and the archive: the outbox holds ids only. An invoice whose
//! archive is not written yet is tried again later, so the customer never
//! gets an e-mail without its files.

use std::sync::Arc;

use folio_domain::ids::{InvoiceId, UserId};
use folio_domain::invoice::{ArchivedFile, ArchivedFormat};
use folio_domain::money::Money;
use rust_decimal::Decimal;

use super::compose_error::ComposeError;
use super::ports::{Attachment, DueMessage, Email};
use super::reminder_templates::{self, Reminder};
use super::templates::{self, InvoiceFacts, MailText};
use crate::access::{Caller, Role};
use crate::documents::{DocumentOf, InvoiceDocuments};
use crate::ports::{BlobAddress, BlobError, BlobStore};
use crate::use_cases::UseCases;
use folio_documents::locale::Locale;

/// The actor invoices are read as when they are e-mailed.
const MAIL: &str = "system:mail";

/// Composes invoices' e-mails.
#[derive(Clone)]
pub struct InvoiceMail {
    documents: InvoiceDocuments,
    blobs: Arc<dyn BlobStore>,
    use_cases: Arc<UseCases>,
}

impl std::fmt::Debug for InvoiceMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InvoiceMail")
    }
}

impl InvoiceMail {
    /// Reads invoices through `documents`, their files from `blobs` and the
    /// tenant's mail settings through `use_cases`.
    pub fn new(
        documents: InvoiceDocuments,
        blobs: Arc<dyn BlobStore>,
        use_cases: Arc<UseCases>,
    ) -> Self {
        InvoiceMail {
            documents,
            blobs,
            use_cases,
        }
    }

    /// The e-mail `message` (an `invoice_sent`) stands for.
    pub async fn compose(&self, message: &DueMessage) -> Result<Email, ComposeError> {
        let invoice_id: InvoiceId = message.payload_id("invoice_id")?;
        let letter = self.letter(message, invoice_id).await?;
        let words = templates::invoice_sent(letter.locale, &letter.facts);
        Ok(letter.email(message, words))
    }

    /// The e-mail `message` (a `payment_reminder`) stands for: what is due
    /// when it is sent, with the invoice attached again. Moot, and skipped,
    /// once nothing is due or the customer disputes the invoice.
    pub async fn compose_reminder(&self, message: &DueMessage) -> Result<Email, ComposeError> {
        let invoice_id: InvoiceId = message.payload_id("invoice_id")?;
        let days_after_due = message.payload["days_after_due"]
            .as_i64()
            .ok_or_else(|| ComposeError::Malformed(message.payload.to_string()))?;
        let invoice = self
            .use_cases
            .invoice_state(message.tenant_id, invoice_id)
            .await
            .map_err(ComposeError::unloadable)?;
        let due = invoice.amount_due();
        if due <= Decimal::ZERO || invoice.dispute.is_some() {
            return Err(ComposeError::NobodyToWrite(
                "the invoice is settled or disputed since the reminder was recorded".into(),
            ));
        }
        // Absent from messages queued before reminders charged fees.
        let late_fee: Option<Money> =
            serde_json::from_value(message.payload["late_fee"].clone())
                .map_err(|_| ComposeError::Malformed(message.payload.to_string()))?;
        let mut letter = self.letter(message, invoice_id).await?;
        letter.facts.amount = due;
        let reminder = Reminder {
            days_after_due,
            late_fee,
        };
        let words = reminder_templates::payment_reminder(letter.locale, &letter.facts, &reminder);
        Ok(letter.email(message, words))
    }

    /// What every e-mail of the invoice shares: its facts, language,
    /// sender, reply address, copies and attachments.
    async fn letter(
        &self,
        message: &DueMessage,
        invoice_id: InvoiceId,
    ) -> Result<Letter, ComposeError> {
        let caller = Caller::new(message.tenant_id, UserId::new(MAIL), vec![Role::Accountant]);
        let which = DocumentOf::Invoice(invoice_id);
        let invoice = self.documents.letter(&caller, invoice_id).await?;
        let mail = self
            .use_cases
            .tenant_settings(&caller)
            .await
            .map_err(ComposeError::unloadable)?
            .mail;
        let files: Vec<ArchivedFile> = self
            .documents
            .archived_files(&caller, which)
            .await?
            .into_iter()
            .flatten()
            .collect();
        let name = invoice.number.replace(['/', '\\'], "-");
        let stamped = files.iter().any(|file| file.format == ArchivedFormat::Cfdi);
        let attachments = if stamped {
            // A Mexican customer receives the fiscal document itself, always.
            vec![
                self.attachment(&files, ArchivedFormat::CfdiPdf, &name)
                    .await?,
                self.attachment(&files, ArchivedFormat::Cfdi, &name).await?,
            ]
        } else {
            let mut attachments = vec![
                self.attachment(&files, ArchivedFormat::FacturX, &name)
                    .await?,
            ];
            if mail.attach_e_invoice {
                attachments.push(self.attachment(&files, ArchivedFormat::Ubl, &name).await?);
            }
            attachments
        };
        let seller = invoice.seller_name.clone();
        Ok(Letter {
            // The customer reads it: in the language of the customer's country.
            locale: Locale::of_country(&invoice.buyer_country),
            facts: InvoiceFacts {
                buyer: invoice.buyer_name,
                seller: seller.clone(),
                number: invoice.number,
                issued: invoice.issue_date,
                due: Some(invoice.due_date),
                amount: invoice.payable,
                places: invoice.currency.minor_units(),
                currency: invoice.currency.code().to_owned(),
            },
            from_name: mail.sender_name.unwrap_or(seller),
            reply_to: mail.reply_to.or(invoice.seller_email),
            bcc: mail.copy_to.into_iter().collect(),
            attachments,
        })
    }

    /// The archived file of `format` among `files`, as an attachment called
    /// `name` with its extension; not archived yet is worth waiting for.
    async fn attachment(
        &self,
        files: &[ArchivedFile],
        format: ArchivedFormat,
        name: &str,
    ) -> Result<Attachment, ComposeError> {
        let file = files
            .iter()
            .find(|file| file.format == format)
            .ok_or(ComposeError::NotArchivedYet)?;
        let address = BlobAddress::parse(&file.sha256)
            .ok_or_else(|| BlobError::BadAddress(file.sha256.clone()))?;
        let extension = match format {
            ArchivedFormat::FacturX | ArchivedFormat::CfdiPdf => "pdf",
            ArchivedFormat::Ubl | ArchivedFormat::Cfdi => "xml",
        };
        Ok(Attachment {
            filename: format!("{name}.{extension}"),
            content_type: file.content_type.clone(),
            bytes: self.blobs.get(&address).await?,
        })
    }
}

/// An e-mail of an invoice before its words are written.
struct Letter {
    locale: Locale,
    facts: InvoiceFacts,
    from_name: String,
    reply_to: Option<String>,
    bcc: Vec<String>,
    attachments: Vec<Attachment>,
}

impl Letter {
    /// The e-mail of `message` saying `words`.
    fn email(self, message: &DueMessage, words: MailText) -> Email {
        Email {
            message_id: message.message_id,
            from_name: Some(self.from_name),
            reply_to: self.reply_to,
            to: message.recipients.clone(),
            bcc: self.bcc,
            subject: words.subject,
            text: words.text,
            html: Some(words.html),
            attachments: self.attachments,
        }
    }
}
