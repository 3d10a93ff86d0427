//! How a tenant's e-mails to its customers go out: the name they show as
//! their sender, where replies go, a blind copy for the tenant's own records,
//! and whether the e-invoice XML rides along with the PDF.
//!
//! The sending address itself is the platform's (`FOLIO_MAIL_FROM`): mail
//! from a tenant's own domain would need that domain to authorise Folio's
//! servers (SPF, DKIM), or receivers would mark it as forged.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::email::is_email_address;

/// Longest sender name, in characters.
pub const MAX_SENDER_NAME_LEN: usize = 100;

/// A tenant's e-mail settings; all optional, the defaults are the legal
/// profile's.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct MailSettings {
    /// The name e-mails show as their sender; the seller's trading or legal
    /// name when none.
    #[serde(default)]
    pub sender_name: Option<String>,
    /// Where customers' replies go; the legal profile's contact address when
    /// none.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// An address that gets a blind copy of every invoice e-mailed (the
    /// tenant's own records).
    #[serde(default)]
    pub copy_to: Option<String>,
    /// Whether an e-mailed invoice carries its e-invoice XML (the archived
    /// UBL, Peppol BIS Billing 3.0) beside the PDF.
    #[serde(default)]
    pub attach_e_invoice: bool,
}

/// Why mail settings are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum MailSettingsError {
    /// The sender name is empty, too long, or holds a line break or another
    /// control character (which could forge mail headers).
    #[error("a sender name is 1 to {MAX_SENDER_NAME_LEN} characters on one line")]
    SenderName,
    /// Not a usable e-mail address.
    #[error("'{0}' is not an e-mail address")]
    NotAnEmailAddress(String),
}

fn checked_address(address: Option<String>) -> Result<Option<String>, MailSettingsError> {
    let Some(address) = address.map(|a| a.trim().to_owned()) else {
        return Ok(None);
    };
    if !is_email_address(&address) {
        return Err(MailSettingsError::NotAnEmailAddress(address));
    }
    Ok(Some(address))
}

impl MailSettings {
    /// The settings trimmed, or why they are refused.
    pub fn validated(self) -> Result<Self, MailSettingsError> {
        let sender_name = match self.sender_name.map(|n| n.trim().to_owned()) {
            Some(name)
                if name.is_empty()
                    || name.chars().count() > MAX_SENDER_NAME_LEN
                    || name.chars().any(char::is_control) =>
            {
                return Err(MailSettingsError::SenderName)
            }
            name => name,
        };
        Ok(MailSettings {
            sender_name,
            reply_to: checked_address(self.reply_to)?,
            copy_to: checked_address(self.copy_to)?,
            attach_e_invoice: self.attach_e_invoice,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_trimmed_and_their_addresses_checked() {
        let given = MailSettings {
            sender_name: Some("  Muster Billing ".into()),
            reply_to: Some(" ar@muster.example".into()),
            copy_to: None,
            attach_e_invoice: true,
        };
        let kept = given.validated().unwrap();
        assert_eq!(kept.sender_name.as_deref(), Some("Muster Billing"));
        assert_eq!(kept.reply_to.as_deref(), Some("ar@muster.example"));
        let bad = MailSettings {
            copy_to: Some("archive".into()),
            ..MailSettings::default()
        };
        assert_eq!(
            bad.validated(),
            Err(MailSettingsError::NotAnEmailAddress("archive".into()))
        );
    }

    #[test]
    fn a_sender_name_cannot_break_into_a_new_header() {
        for name in [
            "",
            "  ",
            "Muster\r\nBcc: victim@example.com",
            &"x".repeat(101),
        ] {
            let settings = MailSettings {
                sender_name: Some(name.to_owned()),
                ..MailSettings::default()
            };
            assert_eq!(
                settings.validated(),
                Err(MailSettingsError::SenderName),
                "{name:?}"
            );
        }
    }
}
