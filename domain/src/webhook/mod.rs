//! A tenant's webhook endpoint: a URL Folio posts the tenant's events to,
//! signed in the Standard Webhooks format with a secret of the endpoint's.
//!
//! The secret itself never enters the event store (events are replayed,
//! exported and published): the events record its version, and the store
//! keeps the secrets apart. Rotating one starts a new version while the
//! previous one keeps signing for [`ROTATION_OVERLAP_HOURS`], so a receiver
//! can switch without losing a delivery.

mod catalogue;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Duration, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use catalogue::{all_webhook_types, webhook_type, PUBLISHED_AGGREGATES};

use crate::aggregate::{cqrs_aggregate, domain_event, Decide, TenantOwned};
use crate::error_code::{Coded, ErrorCode};
use crate::ids::{TenantId, WebhookEndpointId};

/// Longest endpoint URL, in characters.
pub const MAX_URL_LEN: usize = 2000;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 200;
/// How long the secret before a rotation keeps signing deliveries.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;

/// Where an endpoint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EndpointStatus {
    /// Not registered.
    #[default]
    Unknown,
    /// Receives the events it subscribes to.
    Enabled,
    /// Receives nothing until enabled again.
    Disabled,
    /// Gone for good.
    Deleted,
}

/// A command to a webhook endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WebhookCommand {
    /// An admin registers an endpoint.
    Register {
        /// The caller's tenant: it owns the endpoint.
        tenant_id: TenantId,
        /// The endpoint's id.
        endpoint_id: WebhookEndpointId,
        /// Where deliveries are posted (`https://`, or `http://`).
        url: String,
        /// The webhook types it receives (see [`all_webhook_types`]); none:
        /// every type.
        event_types: Vec<String>,
        /// What it is for, for the admins.
        description: Option<String>,
    },
    /// An admin changes the URL, the types or the description (`None`:
    /// unchanged).
    Update {
        /// The new URL.
        url: Option<String>,
        /// The new types (none: every type).
        event_types: Option<Vec<String>>,
        /// The new description (`Some(None)`: removed).
        description: Option<Option<String>>,
    },
    /// An admin starts a new secret at `at`; the previous one keeps signing
    /// for [`ROTATION_OVERLAP_HOURS`].
    RotateSecret {
        /// When.
        at: DateTime<Utc>,
    },
    /// An admin, or Folio after days of failed deliveries, stops deliveries.
    Disable {
        /// Why.
        reason: String,
        /// Whether Folio disabled it (the endpoint kept failing).
        automatic: bool,
    },
    /// An admin resumes deliveries.
    Enable,
    /// An admin removes the endpoint for good.
    Delete,
}

/// An event of a webhook endpoint.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
pub enum WebhookEvent {
    /// An endpoint was registered, with its first secret (version 1).
    WebhookEndpointRegistered {
        /// The tenant that owns the endpoint from now on.
        tenant_id: TenantId,
        /// The endpoint's id.
        endpoint_id: WebhookEndpointId,
        /// Where deliveries are posted.
        url: String,
        /// The webhook types it receives; none: every type.
        event_types: Vec<String>,
        /// What it is for.
        description: Option<String>,
    },
    /// Its URL, types or description changed (all three as they are now).
    WebhookEndpointChanged {
        /// Where deliveries are posted.
        url: String,
        /// The webhook types it receives; none: every type.
        event_types: Vec<String>,
        /// What it is for.
        description: Option<String>,
    },
    /// A new secret signs its deliveries; the one before also signs until
    /// `previous_valid_until`.
    WebhookSecretRotated {
        /// The new secret's version.
        secret_version: u32,
        /// Until when the previous secret signs too.
        previous_valid_until: DateTime<Utc>,
    },
    /// Deliveries stopped.
    WebhookEndpointDisabled {
        /// Why.
        reason: String,
        /// Whether Folio disabled it (the endpoint kept failing).
        automatic: bool,
    },
    /// Deliveries resumed.
    WebhookEndpointEnabled {},
    /// The endpoint was removed.
    WebhookEndpointDeleted {},
}

domain_event!(WebhookEvent);

/// A refused webhook command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum WebhookError {
    /// No such endpoint (or another tenant's).
    #[error("webhook endpoint not found")]
    NotFound,
    /// The endpoint exists already.
    #[error("this webhook endpoint exists already")]
    AlreadyExists,
    /// The endpoint was deleted.
    #[error("this webhook endpoint was deleted")]
    Deleted,
    /// The URL is not one Folio posts to.
    #[error("'{0}' is not a webhook URL: http(s)://host[:port]/path, without credentials, at most {MAX_URL_LEN} characters")]
    InvalidUrl(String),
    /// A type no webhook carries.
    #[error("'{0}' is not a webhook event type (e.g. invoice.issued, expense.submitted)")]
    UnknownEventType(String),
    /// The description is too long.
    #[error("a description is at most {MAX_DESCRIPTION_LEN} characters")]
    DescriptionTooLong,
    /// Disabling needs a reason.
    #[error("say why the endpoint is disabled")]
    ReasonRequired,
    /// Only a disabled endpoint can be enabled.
    #[error("this webhook endpoint is not disabled")]
    NotDisabled,
}

impl Coded for WebhookError {
    fn code(&self) -> ErrorCode {
        use WebhookError as E;
        match self {
            E::NotFound => ErrorCode::NotFound,
            E::AlreadyExists | E::Deleted | E::NotDisabled => ErrorCode::Conflict,
            E::InvalidUrl(_)
            | E::UnknownEventType(_)
            | E::DescriptionTooLong
            | E::ReasonRequired => ErrorCode::Validation,
        }
    }
}

/// A webhook endpoint's state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// The owning tenant, once registered.
    pub tenant_id: Option<TenantId>,
    /// Where it stands.
    pub status: EndpointStatus,
    /// Where deliveries are posted.
    pub url: String,
    /// The webhook types it receives; none: every type.
    pub event_types: Vec<String>,
    /// What it is for.
    pub description: Option<String>,
    /// The version of the secret that signs now (1 from registration).
    pub secret_version: u32,
    /// Until when the secret before it signs too, after a rotation.
    pub previous_secret_until: Option<DateTime<Utc>>,
}

/// `url` trimmed, if it is one Folio posts to: `http` or `https`, a host, no
/// credentials, no whitespace. (Whether its host may be reached is decided
/// when Folio delivers: names can change what they point to.)
pub fn checked_url(url: &str) -> Result<String, WebhookError> {
    let url = url.trim();
    let invalid = || WebhookError::InvalidUrl(url.to_owned());
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(invalid)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(host, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) && !host.ends_with(']') && !host.is_empty()
            {
                host
            } else {
                authority
            }
        });
    if url.chars().count() > MAX_URL_LEN
        || host.is_empty()
        || authority.contains('@')
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid());
    }
    Ok(url.to_owned())
}

fn checked_types(types: Vec<String>) -> Result<Vec<String>, WebhookError> {
    let known = all_webhook_types();
    let mut types: Vec<String> = types.into_iter().map(|t| t.trim().to_owned()).collect();
    if let Some(unknown) = types.iter().find(|t| !known.contains(t)) {
        return Err(WebhookError::UnknownEventType(unknown.clone()));
    }
    types.sort();
    types.dedup();
    Ok(types)
}

fn checked_description(description: Option<String>) -> Result<Option<String>, WebhookError> {
    let description = description
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty());
    match description {
        Some(d) if d.chars().count() > MAX_DESCRIPTION_LEN => Err(WebhookError::DescriptionTooLong),
        d => Ok(d),
    }
}

impl WebhookEndpoint {
    /// Folds one event into the state.
    pub fn fold(&mut self, event: WebhookEvent) {
        use WebhookEvent as E;
        match event {
            E::WebhookEndpointRegistered {
                tenant_id,
                url,
                event_types,
                description,
                ..
            } => {
                *self = WebhookEndpoint {
                    tenant_id: Some(tenant_id),
                    status: EndpointStatus::Enabled,
                    url,
                    event_types,
                    description,
                    secret_version: 1,
                    previous_secret_until: None,
                }
            }
            E::WebhookEndpointChanged {
                url,
                event_types,
                description,
            } => {
                self.url = url;
                self.event_types = event_types;
                self.description = description;
            }
            E::WebhookSecretRotated {
                secret_version,
                previous_valid_until,
            } => {
                self.secret_version = secret_version;
                self.previous_secret_until = Some(previous_valid_until);
            }
            E::WebhookEndpointDisabled { .. } => self.status = EndpointStatus::Disabled,
            E::WebhookEndpointEnabled {} => self.status = EndpointStatus::Enabled,
            E::WebhookEndpointDeleted {} => self.status = EndpointStatus::Deleted,
        }
    }

    /// Whether it receives events of webhook type `webhook_type`.
    pub fn receives(&self, webhook_type: &str) -> bool {
        self.status == EndpointStatus::Enabled
            && (self.event_types.is_empty() || self.event_types.iter().any(|t| t == webhook_type))
    }

    fn require_present(&self) -> Result<(), WebhookError> {
        match self.status {
            EndpointStatus::Unknown => Err(WebhookError::NotFound),
            EndpointStatus::Deleted => Err(WebhookError::Deleted),
            _ => Ok(()),
        }
    }

    fn update(
        &self,
        url: Option<String>,
        event_types: Option<Vec<String>>,
        description: Option<Option<String>>,
    ) -> Result<Vec<WebhookEvent>, WebhookError> {
        self.require_present()?;
        let url = url.map_or_else(|| Ok(self.url.clone()), |u| checked_url(&u))?;
        let event_types =
            event_types.map_or_else(|| Ok(self.event_types.clone()), checked_types)?;
        let description =
            description.map_or_else(|| Ok(self.description.clone()), checked_description)?;
        if (&url, &event_types, &description) == (&self.url, &self.event_types, &self.description) {
            return Ok(vec![]);
        }
        Ok(vec![WebhookEvent::WebhookEndpointChanged {
            url,
            event_types,
            description,
        }])
    }
}

impl Decide for WebhookEndpoint {
    fn decide(&self, command: WebhookCommand) -> Result<Vec<WebhookEvent>, WebhookError> {
        use WebhookCommand as C;
        match command {
            C::Register {
                tenant_id,
                endpoint_id,
                url,
                event_types,
                description,
            } => {
                if self.status != EndpointStatus::Unknown {
                    return Err(WebhookError::AlreadyExists);
                }
                Ok(vec![WebhookEvent::WebhookEndpointRegistered {
                    tenant_id,
                    endpoint_id,
                    url: checked_url(&url)?,
                    event_types: checked_types(event_types)?,
                    description: checked_description(description)?,
                }])
            }
            C::Update {
                url,
                event_types,
                description,
            } => self.update(url, event_types, description),
            C::RotateSecret { at } => {
                self.require_present()?;
                Ok(vec![WebhookEvent::WebhookSecretRotated {
                    secret_version: self.secret_version + 1,
                    previous_valid_until: at + Duration::hours(ROTATION_OVERLAP_HOURS),
                }])
            }
            C::Disable { reason, automatic } => {
                self.require_present()?;
                let reason = reason.trim().to_owned();
                if reason.is_empty() {
                    return Err(WebhookError::ReasonRequired);
                }
                if self.status == EndpointStatus::Disabled {
                    return Ok(vec![]);
                }
                Ok(vec![WebhookEvent::WebhookEndpointDisabled {
                    reason,
                    automatic,
                }])
            }
            C::Enable => {
                self.require_present()?;
                if self.status != EndpointStatus::Disabled {
                    return Err(WebhookError::NotDisabled);
                }
                Ok(vec![WebhookEvent::WebhookEndpointEnabled {}])
            }
            C::Delete => match self.status {
                EndpointStatus::Unknown => Err(WebhookError::NotFound),
                EndpointStatus::Deleted => Ok(vec![]),
                _ => Ok(vec![WebhookEvent::WebhookEndpointDeleted {}]),
            },
        }
    }
}

impl TenantOwned for WebhookEndpoint {
    fn tenant(&self) -> Option<TenantId> {
        self.tenant_id
    }
}

cqrs_aggregate!(
    WebhookEndpoint,
    type = "WebhookEndpoint",
    command = WebhookCommand,
    event = WebhookEvent,
    error = WebhookError
);
