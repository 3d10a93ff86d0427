//! Webhooks: signed HTTP deliveries of the tenant's events to its endpoints,
//! in the Standard Webhooks format (ADR 013).
//!
//! - [`ports`]: where endpoint secrets are kept, and the HTTP client.
//! - [`signature`]: the `v1` signatures, and new secrets.
//! - [`endpoints`]: registering an endpoint and rotating its secret, with the
//!   secret shown once.
//! - [`delivery`]: one delivery, read from the store and signed as it is
//!   posted.

pub mod delivery;
pub mod endpoints;
pub mod ports;
pub mod signature;

pub use delivery::{DeliveryError, DeliveryPorts, WebhookDelivery};
pub use endpoints::{WebhookEndpoints, WithSecret};
pub use ports::{
    EndpointHealth, PostFailure, PostResponse, SecretsError, WebhookPoster, WebhookSecrets,
};
