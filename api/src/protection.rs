//! What keeps one client from taking the whole server, and browsers from being
//! turned against it: rate limits per tenant and per client address, a budget of
//! GraphQL complexity per tenant (a few huge queries cost what many small ones
//! do), CORS for the configured origins only, and security headers on every
//! response.
//!
//! The limits are GCRA (the `governor` crate): a steady rate with a burst of
//! twice that. An IPv6 client is limited by its /64, and the tenant's limit is
//! charged once the token is verified, before any database work. A request over a limit is answered at once with `LIMIT`, HTTP
//! 429 and `Retry-After`, and counted in `folio_rate_limited_total`. The
//! address is the TCP peer's: behind a proxy that is the proxy (forwarded
//! headers are not trusted), so the per-tenant limit is the one that matters
//! there.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use folio_domain::ids::TenantId;
use folio_domain::ErrorCode;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::error_response;

/// How much each tenant and each client address may ask, and which browser
/// origins may call the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protection {
    /// Requests per second one tenant may make (twice that in a burst); 0: no limit.
    pub per_tenant: u32,
    /// Requests per second one client address may make (twice that in a burst);
    /// 0: no limit.
    pub per_address: u32,
    /// GraphQL complexity (fields, lists weighted by their page size) one tenant
    /// may spend per second (twice that in a burst); 0: no budget.
    pub complexity_per_tenant: u32,
    /// Browser origins allowed to call the API (`https://app.example.com`);
    /// none: no cross-origin browser calls.
    pub cors_origins: Vec<String>,
    /// Where GraphiQL's page loads its scripts from, when `GET /graphql` serves
    /// it; `None`: the page is turned off.
    pub graphiql_assets: Option<String>,
}

impl Protection {
    /// Limits unless configured otherwise: generous for one tenant's users and
    /// integrations, tight enough that one client cannot take the server.
    pub const DEFAULT_PER_TENANT: u32 = 200;
    /// See [`Protection::DEFAULT_PER_TENANT`].
    pub const DEFAULT_PER_ADDRESS: u32 = 400;
    /// See [`Protection::DEFAULT_PER_TENANT`]: ten of the largest queries allowed
    /// (complexity 2,000) per second, or hundreds of ordinary ones.
    pub const DEFAULT_COMPLEXITY_PER_TENANT: u32 = 20_000;
}

impl Default for Protection {
    fn default() -> Self {
        Protection {
            per_tenant: Self::DEFAULT_PER_TENANT,
            per_address: Self::DEFAULT_PER_ADDRESS,
            complexity_per_tenant: Self::DEFAULT_COMPLEXITY_PER_TENANT,
            cors_origins: Vec::new(),
            graphiql_assets: None,
        }
    }
}

/// The limiters of one process.
#[derive(Clone, Default)]
pub struct RateLimits {
    per_tenant: Option<Arc<DefaultKeyedRateLimiter<TenantId>>>,
    per_address: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
    complexity: Option<Arc<DefaultKeyedRateLimiter<TenantId>>>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("per_tenant", &self.per_tenant.is_some())
            .field("per_address", &self.per_address.is_some())
            .field("complexity", &self.complexity.is_some())
            .finish()
    }
}

fn quota(per_second: u32) -> Option<Quota> {
    let rate = NonZeroU32::new(per_second)?;
    let burst = NonZeroU32::new(per_second.saturating_mul(2)).unwrap_or(rate);
    Some(Quota::per_second(rate).allow_burst(burst))
}

impl RateLimits {
    /// The limiters `protection` asks for.
    pub fn new(protection: &Protection) -> Self {
        RateLimits {
            per_tenant: quota(protection.per_tenant).map(|q| Arc::new(RateLimiter::keyed(q))),
            per_address: quota(protection.per_address).map(|q| Arc::new(RateLimiter::keyed(q))),
            complexity: quota(protection.complexity_per_tenant)
                .map(|q| Arc::new(RateLimiter::keyed(q))),
        }
    }

    /// Charges a query's `complexity` to `tenant`'s budget; refuses it (charging
    /// nothing) when the budget cannot cover it now.
    pub fn charge_complexity(
        &self,
        tenant: TenantId,
        complexity: usize,
    ) -> Result<(), RateLimited> {
        let (Some(limiter), Some(units)) = (
            &self.complexity,
            NonZeroU32::new(u32::try_from(complexity).unwrap_or(u32::MAX)),
        ) else {
            return Ok(());
        };
        match limiter.check_key_n(&tenant, units) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(RateLimited::new("complexity", &not_until)),
            // More than a whole burst: it would never pass; say so rather than
            // promise a retry time.
            Err(_) => Err(RateLimited::over_capacity()),
        }
    }

    /// Refuses a request of `tenant` over its limit.
    pub fn check_tenant(&self, tenant: TenantId) -> Result<(), RateLimited> {
        match &self.per_tenant {
            Some(limiter) => limiter
                .check_key(&tenant)
                .map_err(|not_until| RateLimited::new("tenant", &not_until)),
            None => Ok(()),
        }
    }

    fn check_address(&self, address: IpAddr) -> Result<(), RateLimited> {
        let Some(limiter) = &self.per_address else {
            return Ok(());
        };
        // Past the bound, every address shares one key: a flood from many
        // addresses is limited together instead of growing the map.
        let key = if limiter.len() < MAX_TRACKED_ADDRESSES {
            address_key(address)
        } else {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        };
        limiter
            .check_key(&key)
            .map_err(|not_until| RateLimited::new("address", &not_until))
    }

    /// Forgets keys that have been idle long enough to be back at a full burst,
    /// so the limiters' memory follows the active clients, not every one seen.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.per_tenant {
            limiter.retain_recent();
        }
        if let Some(limiter) = &self.per_address {
            limiter.retain_recent();
        }
        if let Some(limiter) = &self.complexity {
            limiter.retain_recent();
        }
    }
}

/// Most client addresses the per-address limiter tracks at once (idle ones are
/// forgotten every minute).
pub const MAX_TRACKED_ADDRESSES: usize = 100_000;

/// The key an address is limited under: an IPv4 address itself (an IPv4
/// address mapped into IPv6 too), an IPv6 address by its /64, the smallest
/// network one subscriber is given, which holds 2^64 addresses to rotate
/// through.
fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

/// A request over a limit: which one, and when the next one would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimited {
    /// `tenant`, `address` or `complexity`.
    pub scope: &'static str,
    /// Whole seconds until a request would pass (at least 1).
    pub retry_after_seconds: u64,
}

impl RateLimited {
    fn new(
        scope: &'static str,
        not_until: &governor::NotUntil<<DefaultClock as Clock>::Instant>,
    ) -> Self {
        metrics::counter!("folio_rate_limited_total", "scope" => scope).increment(1);
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        RateLimited {
            scope,
            retry_after_seconds: seconds.max(1),
        }
    }

    fn over_capacity() -> Self {
        metrics::counter!("folio_rate_limited_total", "scope" => "complexity").increment(1);
        RateLimited {
            scope: "complexity",
            retry_after_seconds: 1,
        }
    }

    /// What the caller is told.
    pub fn message(&self) -> String {
        match self.scope {
            "complexity" => format!(
                "this tenant's GraphQL complexity budget is spent; ask for fewer fields or smaller pages, or retry in {} s",
                self.retry_after_seconds
            ),
            scope => format!(
                "too many requests from this {scope}; retry in {} s",
                self.retry_after_seconds
            ),
        }
    }
}

/// `LIMIT`, HTTP 429 and `Retry-After`.
impl axum::response::IntoResponse for RateLimited {
    fn into_response(self) -> Response {
        let mut response = error_response(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Limit,
            &self.message(),
        );
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(self.retry_after_seconds),
        );
        response
    }
}

/// Refuses a request over its client address's limit, before anything else
/// (authentication included) is done for it.
pub async fn limit_address(
    State(limits): State<RateLimits>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    match limits.check_address(peer.ip()) {
        Ok(()) => next.run(request).await,
        Err(refusal) => refusal.into_response(),
    }
}

/// Headers every response carries: no sniffing, no framing, no referrer, no
/// caching of tenant data, HTTPS only; and a content security policy that allows
/// nothing but GraphiQL's page (which loads its scripts, pinned by their
/// integrity hashes, from a CDN or a mirror).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let headers = response.headers_mut();
    let set = |name: &'static str, value: &'static str| (name, HeaderValue::from_static(value));
    for (name, value) in [
        set("x-content-type-options", "nosniff"),
        set("x-frame-options", "DENY"),
        set("referrer-policy", "no-referrer"),
        set("strict-transport-security", "max-age=63072000"),
        set("cross-origin-resource-policy", "same-origin"),
    ] {
        headers.insert(name, value);
    }
    if !is_html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    } else {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        );
    }
    response
}

/// CORS for the configured origins only (none: browsers may not call across
/// origins); bearer tokens, not cookies, so no credentials mode.
pub fn cors(protection: &Protection) -> CorsLayer {
    let origins: Vec<HeaderValue> = protection
        .cors_origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin.trim_end_matches('/')).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("traceparent"),
            header::HeaderName::from_static("mcp-protocol-version"),
        ])
        .max_age(Duration::from_secs(600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_limited_by_its_64_and_a_mapped_ipv4_as_itself() {
        let key = |a: &str| address_key(a.parse().unwrap());
        assert_eq!(
            key("2001:db8:1:2:aaaa::1"),
            key("2001:db8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_eq!(key("2001:db8:1:2::1").to_string(), "2001:db8:1:2::");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        assert_eq!(key("192.0.2.7").to_string(), "192.0.2.7");
    }

    #[test]
    fn rotating_through_a_64_does_not_escape_the_address_limit() {
        // Given a limit of one request per second (a burst of two)
        let limits = RateLimits::new(&Protection {
            per_address: 1,
            ..Protection::default()
        });
        // When one client sends from three addresses of its /64
        let from = |a: &str| limits.check_address(a.parse().unwrap());
        assert!(from("2001:db8::1").is_ok());
        assert!(from("2001:db8::2").is_ok());
        // Then the third is refused, as if from one address
        assert_eq!(from("2001:db8::3").unwrap_err().scope, "address");
        // And another /64 is not affected
        assert!(from("2001:db8:0:1::1").is_ok());
    }
}
