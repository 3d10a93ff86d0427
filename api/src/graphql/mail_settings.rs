//! How the tenant's e-mails go out, as GraphQL reads and writes it: one shape
//! for `tenantSettings.mail` and the `configureMail` input.

use async_graphql::{InputObject, SimpleObject};
use folio_domain::mail_settings as domain;

/// How the tenant's invoice e-mails go out. They are sent from the platform's
/// address (a tenant's own domain would have to authorise Folio's servers);
/// the rest is the tenant's.
#[derive(Debug, Clone, SimpleObject, InputObject)]
#[graphql(input_name = "MailSettingsInput")]
pub struct MailSettings {
    /// The name e-mails show as their sender (1-100 characters, one line);
    /// null: the seller's trading or legal name.
    pub sender_name: Option<String>,
    /// Where customers' replies go; null: the legal profile's `email`.
    pub reply_to: Option<String>,
    /// An address that gets a blind copy of every invoice e-mailed, for the
    /// tenant's own records.
    pub copy_to: Option<String>,
    /// True to attach the invoice's e-invoice XML (UBL, Peppol BIS Billing
    /// 3.0, as archived at issue) beside the PDF.
    #[graphql(default)]
    pub attach_e_invoice: bool,
}

impl From<domain::MailSettings> for MailSettings {
    fn from(mail: domain::MailSettings) -> Self {
        MailSettings {
            sender_name: mail.sender_name,
            reply_to: mail.reply_to,
            copy_to: mail.copy_to,
            attach_e_invoice: mail.attach_e_invoice,
        }
    }
}

impl From<MailSettings> for domain::MailSettings {
    fn from(mail: MailSettings) -> Self {
        domain::MailSettings {
            sender_name: mail.sender_name,
            reply_to: mail.reply_to,
            copy_to: mail.copy_to,
            attach_e_invoice: mail.attach_e_invoice,
        }
    }
}
