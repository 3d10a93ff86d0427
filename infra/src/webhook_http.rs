//! Webhook deliveries over HTTP, guarded against server-side request
//! forgery: an endpoint whose address is private, loopback, link-local or
//! otherwise not on the public internet is refused, whether the URL names
//! it or a DNS name resolves to it (the client connects only to the
//! addresses the guard let through, so a name cannot change in between),
//! and no redirect is followed. Loopback may be allowed, for tests and
//! local development.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use folio_commands::webhooks::{PostFailure, PostResponse, WebhookPoster};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Longest a delivery waits for its answer (Svix's).
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(15);

/// Longest part of an answer's body kept for the delivery log.
const EXCERPT_CHARS: usize = 200;

/// Which addresses deliveries may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AddressPolicy {
    /// Whether loopback addresses (127.0.0.0/8, ::1) may be reached.
    pub allow_loopback: bool,
}

impl AddressPolicy {
    /// Whether `ip` may be reached.
    pub fn allows(self, ip: IpAddr) -> bool {
        if ip.is_loopback() {
            return self.allow_loopback;
        }
        match ip {
            IpAddr::V4(v4) => is_public_v4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => self.allows(IpAddr::V4(v4)),
                None => is_public_v6(v6),
            },
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
}

/// Why a name is not resolved: every address it has is refused.
#[derive(Debug, thiserror::Error)]
#[error("{0} resolves only to addresses Folio does not post to (private, loopback or link-local)")]
struct RefusedName(String);

/// Resolves names as the system does, keeping only the addresses the policy
/// allows.
struct GuardedResolver(AddressPolicy);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|address| policy.allows(address.ip()))
                .collect();
            if found.is_empty() {
                return Err(Box::new(RefusedName(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

/// Posts deliveries with reqwest, through the guard.
#[derive(Debug, Clone)]
pub struct HttpWebhookPoster {
    client: reqwest::Client,
    policy: AddressPolicy,
}

impl HttpWebhookPoster {
    /// A poster under `policy`, waiting at most [`WEBHOOK_TIMEOUT`].
    pub fn new(policy: AddressPolicy) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver(policy)))
            .user_agent(concat!("Folio-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(HttpWebhookPoster { client, policy })
    }
}

/// Whether the guard refused the name somewhere in `error`'s causes.
fn refused_name(error: &reqwest::Error) -> Option<String> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(refused) = current.downcast_ref::<RefusedName>() {
            return Some(refused.to_string());
        }
        cause = current.source();
    }
    None
}

#[async_trait]
impl WebhookPoster for HttpWebhookPoster {
    async fn post(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: Vec<u8>,
    ) -> Result<PostResponse, PostFailure> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| PostFailure::Refused(format!("'{url}' is not a URL: {e}")))?;
        let literal = parsed
            .host_str()
            .map(|host| host.trim_start_matches('[').trim_end_matches(']'))
            .and_then(|host| host.parse::<IpAddr>().ok());
        if let Some(ip) = literal.filter(|ip| !self.policy.allows(*ip)) {
            return Err(PostFailure::Refused(format!(
                "{ip} is not an address Folio posts to (private, loopback or link-local)"
            )));
        }
        let mut request = self.client.post(parsed).body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|error| match refused_name(&error) {
                Some(refused) => PostFailure::Refused(refused),
                None => PostFailure::Unreachable(error.without_url().to_string()),
            })?;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        Ok(PostResponse {
            status,
            excerpt: text.chars().take(EXCERPT_CHARS).collect(),
        })
    }

    fn timeout(&self) -> Duration {
        WEBHOOK_TIMEOUT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn private_loopback_and_link_local_addresses_are_refused() {
        let guard = AddressPolicy::default();
        for refused in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!guard.allows(ip(refused)), "{refused}");
        }
        for allowed in ["93.184.216.34", "2606:2800:220:1::1"] {
            assert!(guard.allows(ip(allowed)), "{allowed}");
        }
    }

    #[test]
    fn loopback_may_be_allowed_and_nothing_else_with_it() {
        let guard = AddressPolicy {
            allow_loopback: true,
        };
        assert!(guard.allows(ip("127.0.0.1")));
        assert!(guard.allows(ip("::1")));
        assert!(!guard.allows(ip("10.0.0.1")));
        assert!(!guard.allows(ip("169.254.169.254")));
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused_before_any_connection() {
        // Given the default policy, when a URL names localhost (a name, not an address)
        let poster = HttpWebhookPoster::new(AddressPolicy::default()).unwrap();
        let refused = poster
            .post("http://localhost:9/hooks", &[], b"{}".to_vec())
            .await
            .unwrap_err();
        // Then the guard refuses it, saying why, and it is not retried as unreachable
        let PostFailure::Refused(reason) = refused else {
            panic!("{refused:?}")
        };
        assert!(
            reason.contains("localhost resolves only to addresses"),
            "{reason}"
        );
        // And a literal private address is refused too
        let literal = poster
            .post("http://[fd00::1]/hooks", &[], Vec::new())
            .await
            .unwrap_err();
        assert!(matches!(literal, PostFailure::Refused(_)), "{literal:?}");
    }
}
