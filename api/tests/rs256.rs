//! RS256 tokens (minted by an identity provider, verified with its public key).
//! The key pair in `fixtures/` was generated for this test with openssl and
//! protects nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use folio_api::{Role, TokenKeys};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

const PRIVATE: &str = include_str!("fixtures/rs256-private.pem");
const PUBLIC: &str = include_str!("fixtures/rs256-public.pem");

fn signed(claims: serde_json::Value, algorithm: Algorithm) -> String {
    let key = EncodingKey::from_rsa_pem(PRIVATE.as_bytes()).unwrap();
    jsonwebtoken::encode(&Header::new(algorithm), &claims, &key).unwrap()
}

fn claims(exp_offset: i64) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": "idp-user", "tenant": "0195f0c4-0000-7000-8000-000000000001",
           "roles": ["auditor"], "iat": now, "exp": now + exp_offset})
}

#[test]
fn a_token_signed_by_the_identity_provider_is_accepted() {
    let keys = TokenKeys::rs256(PUBLIC.as_bytes()).unwrap();
    let principal = keys.verify(&signed(claims(600), Algorithm::RS256)).unwrap();
    assert_eq!(principal.user.0, "idp-user");
    assert_eq!(principal.roles, vec![Role::Auditor]);
}

#[test]
fn expired_tampered_or_hs256_tokens_are_refused() {
    let keys = TokenKeys::rs256(PUBLIC.as_bytes()).unwrap();
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
