//! OpenID Connect end to end: `folio serve` trusting a real OpenID provider, the
//! certified npm package `oidc-provider` run by `scripts/oidc-provider`, with
//! access tokens from its token endpoint (client credentials, JWT access tokens
//! for a resource indicator) and its claims in a layout of its own: the tenant
//! at `/org/id`, provider group names mapped to Folio's roles.
//!
//! The provider never issues a token that is expired, not yet valid, from another
//! issuer or signed the wrong way; those are forged here with the provider's own
//! signing key (which it writes to its state directory), so each differs from a
//! token Folio accepts in exactly one respect, which a forged good token proves.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use support::server::Server;
use support::{tenant, TestDatabase};
use tokio::io::{AsyncBufReadExt, BufReader};

/// The audience Folio is configured for, and another application's.
const FOLIO: &str = "https://folio.test/api";
const OTHER_APP: &str = "https://other.test/api";
const CLIENT_SECRET: &str = "a-client-secret-for-the-test-provider";

/// A running `oidc-provider`, killed when dropped.
struct Provider {
    child: tokio::process::Child,
    issuer: String,
    port: u16,
    signing_kid: String,
    state: PathBuf,
}

impl Provider {
    /// Starts the provider on `port` (0: a free one) with `state` (its keys);
    /// `rotate` puts a new signing key first and keeps publishing the old ones.
    async fn start(state: PathBuf, port: u16, rotate: bool, tenant: uuid::Uuid) -> Provider {
        let claims = |groups: &[&str]| json!({"org": {"id": tenant.to_string()}, "groups": groups});
        let config = json!({
            "port": port,
            "stateDir": state,
            "rotate": rotate,
            "resources": [FOLIO, OTHER_APP],
            "clients": [
                {"id": "acme-finance", "secret": CLIENT_SECRET, "claims": claims(&["finance-admins"])},
                {"id": "acme-clerk", "secret": CLIENT_SECRET, "claims": claims(&["ap-clerks", "staff"])},
                {"id": "acme-marketing", "secret": CLIENT_SECRET, "claims": claims(&["marketing"])},
            ],
        });
        let config_path = state.join("config.json");
        std::fs::write(&config_path, config.to_string()).unwrap();
        let mut child = tokio::process::Command::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/oidc-provider"
        ))
        .arg("run")
        .arg(&config_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // The first start may install the package (npm).
        let line = tokio::time::timeout(Duration::from_secs(300), lines.next_line())
            .await
            .expect("the provider starts")
            .unwrap()
            .expect("the provider prints where it listens");
        let started: Value = serde_json::from_str(&line).unwrap();
        Provider {
            child,
            issuer: started["issuer"].as_str().unwrap().to_owned(),
            port: u16::try_from(started["port"].as_u64().unwrap()).unwrap(),
            signing_kid: started["signingKid"].as_str().unwrap().to_owned(),
            state,
        }
    }

    /// An access token from the token endpoint for `client` and `resource`.
    async fn token(&self, client: &str, resource: &str) -> String {
        let response: Value = reqwest::Client::new()
            .post(format!("{}/token", self.issuer))
            .basic_auth(client, Some(CLIENT_SECRET))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", "api"),
                ("resource", resource),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        response["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access token: {response}"))
            .to_owned()
    }

    /// The claims of a token this provider would issue to `acme-finance`, now.
    fn claims(&self, tenant: uuid::Uuid) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({
            "sub": "acme-finance", "iss": self.issuer, "aud": FOLIO,
            "iat": now, "exp": now + 300,
            "org": {"id": tenant.to_string()}, "groups": ["finance-admins"],
        })
    }

    /// `claims` signed RS256 with the provider's current signing key.
    fn forge(&self, claims: &Value) -> String {
        let pem = std::fs::read(self.state.join("signing.pem")).unwrap();
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.signing_kid.clone());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap()
    }

    async fn stop(mut self) -> (PathBuf, u16) {
        self.child.kill().await.unwrap();
        (self.state.clone(), self.port)
    }
}

/// A token with `header` and `claims` and a signature of `signature`'s bytes,
/// for the forms no JWT library will produce.
fn raw_token(header: &Value, claims: &Value, signature: &[u8]) -> String {
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        part(header),
        part(claims),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

const CUSTOMERS: &str = "{ customers(first: 5) { edges { node { name } } } }";
const REGISTER: &str = "mutation { registerCustomer(idempotencyKey: \"oidc-1\", input: {
    contact: {name: \"Provider GmbH\"},
    tax: {country: \"DE\", defaultCurrency: \"EUR\", paymentTermsDays: 30}}) { aggregateId } }";

/// The code of the first error (or `OK`) and the HTTP status.
async fn outcome(server: &Server, token: &str, query: &str) -> (u16, String, String) {
    let (status, body) = server
        .post(Some(token), json!({"query": query}).to_string())
        .await;
    let code = body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("OK")
        .to_owned();
    let message = body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (status, code, message)
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_of_an_openid_provider_are_verified_mapped_and_survive_key_rotation() {
    let db = TestDatabase::new().await;
    let t = tenant();
    let state = std::env::temp_dir().join(format!("folio-oidc-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&state).unwrap();
    let provider = Provider::start(state, 0, false, t.0).await;
    let server = Server::start_with(
        &db,
        &[
            ("FOLIO_OIDC_ISSUER", &provider.issuer),
            ("FOLIO_OIDC_AUDIENCE", FOLIO),
            ("FOLIO_OIDC_TENANT_CLAIM", "/org/id"),
            ("FOLIO_OIDC_ROLES_CLAIM", "groups"),
            (
                "FOLIO_OIDC_ROLE_MAP",
                "finance-admins=admin,ap-clerks=accountant",
            ),
        ],
    )
    .await;

    // Given a token from the provider's token endpoint, in its own claim layout
    let finance = provider.token("acme-finance", FOLIO).await;
    // Then it works, as the admin its group maps to
    assert_eq!(outcome(&server, &finance, REGISTER).await.1, "OK");
    // And a clerk is an accountant: reads invoicing, may not read the event history
    let clerk = provider.token("acme-clerk", FOLIO).await;
    assert_eq!(outcome(&server, &clerk, CUSTOMERS).await.1, "OK");
    let settings = "{ eventLog(first: 1) { edges { cursor } } }";
    assert_eq!(outcome(&server, &clerk, settings).await.1, "FORBIDDEN");
    // And a group Folio does not map grants nothing
    let marketing = provider.token("acme-marketing", FOLIO).await;
    let (status, code, message) = outcome(&server, &marketing, CUSTOMERS).await;
    assert_eq!(
        (status, code.as_str()),
        (401, "UNAUTHENTICATED"),
        "{message}"
    );
    assert!(message.contains("no Folio role"), "{message}");

    // A forged token like the good one is accepted: the forgeries below differ in
    // one respect only.
    let good = provider.claims(t.0);
    assert_eq!(
        outcome(&server, &provider.forge(&good), CUSTOMERS).await.1,
        "OK"
    );
    let now = chrono::Utc::now().timestamp();
    let with = |key: &str, value: Value| {
        let mut claims = good.clone();
        claims[key] = value;
        claims
    };
    let public_pem = std::fs::read(provider.state.join("public.pem")).unwrap();
    let confused = {
        // Algorithm confusion: HS256 keyed with the RSA public key everyone can read.
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(provider.signing_kid.clone());
        jsonwebtoken::encode(
            &header,
            &good,
            &EncodingKey::from_secret(&public_pem).unwrap(),
        )
        .unwrap()
    };
    let unsigned = raw_token(
        &json!({"alg": "none", "typ": "JWT", "kid": provider.signing_kid}),
        &good,
        b"",
    );
    let refusals = [
        (
            "another application's audience",
            provider.token("acme-finance", OTHER_APP).await,
            "aud",
        ),
        (
            "another issuer",
            provider.forge(&with("iss", json!("http://127.0.0.1:1/evil"))),
            "iss",
        ),
        ("alg none", unsigned, "header"),
        ("HS256 keyed with the public key", confused, "HS256"),
        (
            "expired beyond the leeway",
            provider.forge(&with("exp", json!(now - 120))),
            "expired",
        ),
        (
            "not valid yet",
            provider.forge(&with("nbf", json!(now + 300))),
            "nbf",
        ),
        (
            "a tampered payload",
            {
                let token = provider.forge(&good);
                let parts: Vec<&str> = token.split('.').collect();
                let other = URL_SAFE_NO_PAD
                    .encode(with("groups", json!(["finance-admins", "x"])).to_string());
                format!("{}.{other}.{}", parts[0], parts[2])
            },
            "not valid",
        ),
    ];
    for (what, token, says) in &refusals {
        let (status, code, message) = outcome(&server, token, CUSTOMERS).await;
        assert_eq!(
            (status, code.as_str()),
            (401, "UNAUTHENTICATED"),
            "{what}: {message}"
        );
        assert!(message.contains(says), "{what}: {message}");
    }

    // When the provider rotates its signing key (a restart with a new key first,
    // the old one still published)
    let old_kid = provider.signing_kid.clone();
    let (state, port) = provider.stop().await;
    let provider = Provider::start(state, port, true, t.0).await;
    assert_ne!(provider.signing_kid, old_kid);
    let rotated = provider.token("acme-finance", FOLIO).await;
    // Then Folio picks the new key up without a restart (it fetches the keys again
    // on an unknown key id, at most every 10 s)
    support::eventually("the rotated key is accepted", || async {
        (outcome(&server, &rotated, CUSTOMERS).await.1 == "OK").then_some(())
    })
    .await;
    // And a token signed with the old key, still published, still works
    assert_eq!(outcome(&server, &finance, CUSTOMERS).await.1, "OK");

    // When the provider is down, a token with a key Folio has never seen cannot be
    // checked: UNAVAILABLE (retry), not UNAUTHENTICATED (get a new token)
    provider.stop().await;
    let stranger = raw_token(
        &json!({"alg": "RS256", "typ": "JWT", "kid": "a-key-nobody-published"}),
        &good,
        b"signature",
    );
    let answer = support::eventually("the refetch is due again", || async {
        let (status, code, message) = outcome(&server, &stranger, CUSTOMERS).await;
        // The refusal never repeats the key id the caller chose.
        assert!(!message.contains("a-key-nobody-published"), "{message}");
        (code != "UNAUTHENTICATED" || !message.contains("no signing key"))
            .then_some((status, code, message))
    })
    .await;
    assert_eq!(
        (answer.0, answer.1.as_str()),
        (503, "UNAVAILABLE"),
        "{}",
        answer.2
    );
    // While tokens with known keys go on working
    assert_eq!(outcome(&server, &finance, CUSTOMERS).await.1, "OK");
}
