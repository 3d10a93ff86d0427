//! The [`Mailer`] over SMTP, with lettre: `smtp://` (plain, or STARTTLS
//! with `?tls=required` / `?tls=opportunistic`) or `smtps://` (TLS from the
//! start), credentials in the URL's user and password. A server that answers
//! 5xx refused the message for good; anything else (unreachable, 4xx, a
//! timeout) is a failure for now, which the sender retries.

use std::time::Duration;

use async_trait::async_trait;
use folio_commands::notifications::{Email, MailFailure, Mailer};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Why the SMTP settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SmtpSettingsError {
    /// The URL is not an SMTP URL lettre understands.
    #[error("FOLIO_SMTP_URL is not an smtp:// or smtps:// URL: {0}")]
    Url(String),
    /// The sender address is not an address.
    #[error("FOLIO_MAIL_FROM is not an e-mail address: {0}")]
    From(String),
}

/// Sends e-mail through one SMTP server.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Address,
    timeout: Duration,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the credentials.
        f.debug_struct("SmtpMailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for the server `url` names, sending from `from`; an exchange
    /// that takes longer than `timeout` fails (and is retried).
    pub fn new(url: &str, from: &str, timeout: Duration) -> Result<Self, SmtpSettingsError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| SmtpSettingsError::Url(e.to_string()))?
            .timeout(Some(timeout))
            .build();
        let from = from
            .parse()
            .map_err(|e: lettre::address::AddressError| SmtpSettingsError::From(e.to_string()))?;
        Ok(SmtpMailer {
            transport,
            from,
            timeout,
        })
    }

    /// `email` as a MIME message: the text (and its HTML), then each attachment.
    fn message(&self, email: &Email) -> Result<Message, MailFailure> {
        let refused =
            |what: &str, e: &dyn std::fmt::Display| MailFailure::Refused(format!("{what}: {e}"));
        let mut builder = Message::builder()
            .from(Mailbox::new(email.from_name.clone(), self.from.clone()))
            .subject(email.subject.clone())
            .message_id(Some(format!(
                "<{}@{}>",
                email.message_id,
                self.from.domain()
            )));
        if let Some(reply_to) = &email.reply_to {
            let mailbox: Mailbox = reply_to
                .parse()
                .map_err(|e| refused("the reply-to address", &e))?;
            builder = builder.reply_to(mailbox);
        }
        for to in &email.to {
            let mailbox: Mailbox = to.parse().map_err(|e| refused(to, &e))?;
            builder = builder.to(mailbox);
        }
        for bcc in &email.bcc {
            let mailbox: Mailbox = bcc.parse().map_err(|e| refused(bcc, &e))?;
            builder = builder.bcc(mailbox);
        }
        let words = match &email.html {
            Some(html) => MultiPart::alternative_plain_html(email.text.clone(), html.clone()),
            None => MultiPart::alternative().singlepart(SinglePart::plain(email.text.clone())),
        };
        let mut body = MultiPart::mixed().multipart(words);
        for file in &email.attachments {
            let content_type = ContentType::parse(&file.content_type)
                .map_err(|e| refused(&file.content_type, &e))?;
            body = body.singlepart(
                Attachment::new(file.filename.clone()).body(file.bytes.clone(), content_type),
            );
        }
        builder
            .multipart(body)
            .map_err(|e| refused("the message", &e))
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> Result<(), MailFailure> {
        let message = self.message(email)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) if error.is_permanent() => Err(MailFailure::Refused(error.to_string())),
            Err(error) => Err(MailFailure::Unavailable(error.to_string())),
        }
    }

    fn timeout(&self) -> Duration {
        self.timeout
    }
}
