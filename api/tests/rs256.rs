//! RS256 tokens (minted by an identity provider, verified with its public key).
//! The key pair in `fixtures/` was generated for this test with openssl and
//! protects nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use folio_api::auth::Minter;
use folio_api::{Role, TokenKeys};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

const PRIVATE: &str = include_str!("fixtures/rs256-private.pem");
const PUBLIC: &str = include_str!("fixtures/rs256-public.pem");

fn signed(claims: serde_json::Value, algorithm: Algorithm) -> String {
    let key = EncodingKey::from_rsa_pem(PRIVATE.as_bytes()).unwrap();
    jsonwebtoken::encode(&Header::new(algorithm), &claims, &key).unwrap()
}

const ISSUER: &str = "https://id.example.com/realms/acme";

fn claims(exp_offset: i64) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": "idp-user", "tenant": "0195f0c4-0000-7000-8000-000000000001",
           "roles": ["auditor"], "iat": now, "exp": now + exp_offset,
           "iss": ISSUER, "aud": ["folio", "other-app"]})
}

/// The key, for tokens `ISSUER` mints for `folio`.
fn keys() -> TokenKeys {
    let minter = Minter {
        issuer: ISSUER.into(),
        audiences: vec!["folio".into()],
    };
    TokenKeys::rs256(PUBLIC.as_bytes(), minter).unwrap()
}

#[test]
fn a_token_signed_by_the_identity_provider_is_accepted() {
    let principal = keys()
        .verify(&signed(claims(600), Algorithm::RS256))
        .unwrap();
    assert_eq!(principal.user.0, "idp-user");
    assert_eq!(principal.roles, vec![Role::Auditor]);
}

#[test]
fn a_token_for_another_issuer_or_audience_or_naming_neither_is_refused() {
    // Given tokens the same key signed, each missing or changing one claim
    let mut cases = Vec::new();
    for (claim, value, says) in [
        ("iss", json!("https://evil.example.com"), "another issuer"),
        ("aud", json!("billing"), "another audience"),
        ("aud", json!(["billing", "crm"]), "another audience"),
    ] {
        let mut claims = claims(600);
        claims[claim] = value;
        cases.push((claims, says));
    }
    for (claim, says) in [("iss", "iss"), ("aud", "aud")] {
        let mut claims = claims(600);
        claims.as_object_mut().unwrap().remove(claim);
        cases.push((claims, says));
    }
    for (claims, says) in cases {
        // When verified, Then each is refused saying which claim is wrong
        let refused = keys()
            .verify(&signed(claims.clone(), Algorithm::RS256))
            .unwrap_err()
            .to_string();
        assert!(refused.contains(says), "{claims}: {refused}");
    }
}

#[test]
fn an_rs256_key_without_issuer_or_audience_is_refused() {
    for (issuer, audiences) in [("", vec!["folio".to_owned()]), (ISSUER, vec![])] {
        let minter = Minter {
            issuer: issuer.into(),
            audiences,
        };
        assert!(TokenKeys::rs256(PUBLIC.as_bytes(), minter).is_err());
    }
}

#[test]
fn expired_tampered_or_hs256_tokens_are_refused() {
    let keys = keys();
    assert!(keys
        .verify(&signed(claims(-600), Algorithm::RS256))
        .is_err());
    // Another algorithm (alg confusion) is refused even with the right key material.
    let hs = TokenKeys::hs256(PUBLIC.as_bytes()).unwrap();
    let confused = hs
        .mint(
            folio_domain::ids::TenantId(uuid::Uuid::nil()),
            "x",
            &[Role::Admin],
            chrono::Duration::hours(1),
        )
        .unwrap();
    assert!(keys.verify(&confused).is_err());
    // A changed payload breaks the signature.
    let token = signed(claims(600), Algorithm::RS256);
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].replace('A', "B");
    assert!(keys.verify(&parts.join(".")).is_err());
    // Minting needs a secret: RS256 keys only verify.
    assert!(keys
        .mint(
            folio_domain::ids::TenantId(uuid::Uuid::nil()),
            "x",
            &[Role::Admin],
            chrono::Duration::hours(1)
        )
        .is_err());
}
