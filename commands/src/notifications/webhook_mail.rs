//! The e-mail that tells a tenant's admins Folio disabled one of their
//! webhook endpoints because every delivery to it failed for days: which
//! one, why, and what to do (fix the receiver, enable it, redeliver what it
//! missed). Addressed when sent, to every admin with an address.

use std::sync::Arc;

use folio_documents::locale::Locale;
use folio_domain::ids::{TenantId, UserId};

use super::compose_error::ComposeError;
use super::expense_mail::Addressed;
use super::organisation::{organisation, system_reads};
use super::ports::{DueMessage, Email};
use super::templates::MailText;
use crate::access::{Action, Role};
use crate::reads::ReadModels;
use crate::use_cases::UseCases;

/// Composes the e-mail of an endpoint Folio disabled.
#[derive(Clone)]
pub struct WebhookMail {
    use_cases: Arc<UseCases>,
    reads: ReadModels,
}

impl std::fmt::Debug for WebhookMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookMail")
    }
}

impl WebhookMail {
    /// Reads the tenant's name through `use_cases`, the endpoint and the
    /// admins through `reads`.
    pub fn new(use_cases: Arc<UseCases>, reads: ReadModels) -> Self {
        WebhookMail { use_cases, reads }
    }

    /// The e-mail `message` (a `webhook_endpoint_disabled`) stands for.
    pub async fn compose(&self, message: &DueMessage) -> Result<Addressed, ComposeError> {
        let tenant: TenantId = message.tenant_id;
        let endpoint_id: uuid::Uuid = message.payload_id("endpoint_id")?;
        let reads = system_reads(&self.reads, tenant, Role::Admin);
        let endpoint = reads
            .webhook_endpoint(endpoint_id)
            .await
            .map_err(ComposeError::unreadable)?
            .filter(|e| e.status != "DELETED")
            .ok_or_else(|| ComposeError::NobodyToWrite("the endpoint was deleted".into()))?;
        if endpoint.status != "DISABLED" {
            return Err(ComposeError::NobodyToWrite(
                "the endpoint was enabled again".into(),
            ));
        }
        let admins = reads
            .addresses_of_users_who_may(Action::ConfigureTenant)
            .await
            .map_err(ComposeError::unreadable)?;
        if admins.is_empty() {
            return Err(ComposeError::NobodyToWrite(
                "no admin has an e-mail address in the directory".into(),
            ));
        }
        let (name, locale) = organisation(&self.use_cases, &self.reads, tenant).await?;
        let reason = endpoint.disabled_reason.unwrap_or_default();
        let words = endpoint_disabled(locale, &endpoint.url, &reason, &name);
        let (users, to): (Vec<String>, Vec<String>) = admins.into_iter().unzip();
        Ok(Addressed {
            email: Email {
                message_id: message.message_id,
                from_name: Some(format!("Folio ({name})")),
                reply_to: None,
                to,
                bcc: Vec::new(),
                subject: words.subject,
                text: words.text,
                html: Some(words.html),
                attachments: Vec::new(),
            },
            users: users.into_iter().map(UserId).collect(),
        })
    }
}

/// What the e-mail says, in `locale`.
fn endpoint_disabled(locale: Locale, url: &str, reason: &str, organisation: &str) -> MailText {
    let (subject, paragraphs) = match locale {
        Locale::En => (
            format!("Webhook endpoint disabled: {url}"),
            [
                "Hello,".to_owned(),
                format!("Folio stopped posting events to the webhook endpoint {url}: {reason}."),
                "Events that happen while it is disabled are not posted to it. Once the receiver works again, enable the endpoint (enableWebhookEndpoint); deliveries it missed can be posted again (redeliverWebhook).".to_owned(),
                format!("Folio, for {organisation}"),
            ],
        ),
        Locale::De => (
            format!("Webhook-Endpunkt deaktiviert: {url}"),
            [
                "Guten Tag,".to_owned(),
                format!("Folio sendet keine Ereignisse mehr an den Webhook-Endpunkt {url}: {reason}."),
                "Ereignisse, die geschehen, während er deaktiviert ist, werden ihm nicht gesendet. Sobald der Empfänger wieder funktioniert, aktivieren Sie den Endpunkt (enableWebhookEndpoint); verpasste Zustellungen lassen sich erneut senden (redeliverWebhook).".to_owned(),
                format!("Folio, für {organisation}"),
            ],
        ),
        Locale::Es => (
            format!("Endpoint de webhook desactivado: {url}"),
            [
                "Hola:".to_owned(),
                format!("Folio dejó de enviar eventos al endpoint de webhook {url}: {reason}."),
                "Los eventos que ocurran mientras esté desactivado no se le envían. Cuando el receptor vuelva a funcionar, active el endpoint (enableWebhookEndpoint); las entregas perdidas pueden enviarse de nuevo (redeliverWebhook).".to_owned(),
                format!("Folio, para {organisation}"),
            ],
        ),
    };
    MailText::of(locale, subject, &paragraphs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admins_read_which_endpoint_why_and_what_to_do() {
        let words = endpoint_disabled(
            Locale::En,
            "https://erp.example/hooks",
            "every delivery failed for 5 days (since 2026-12-01 09:00 UTC)",
            "Muster GmbH",
        );
        assert_eq!(
            words.subject,
            "Webhook endpoint disabled: https://erp.example/hooks"
        );
        assert!(
            words.text.contains("every delivery failed for 5 days"),
            "{}",
            words.text
        );
        assert!(
            words.text.contains("enableWebhookEndpoint"),
            "{}",
            words.text
        );
        let de = endpoint_disabled(Locale::De, "https://erp.example/hooks", "x", "Muster GmbH");
        assert!(
            de.subject.starts_with("Webhook-Endpunkt deaktiviert"),
            "{}",
            de.subject
        );
    }
}
