//! How requests that need an OpenID provider's new keys wait for it: one fetch at
//! a time, cut at its deadline, its outcome shared by every request meanwhile.
//! The provider here is a plain HTTP server that answers slowly or not at all
//! (the certified provider runs in the workspace's `tests/oidc.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::time::Duration;

use folio_api::auth::{AuthError, OidcSettings, OidcVerifier};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A token naming key `kid`; its signature is never reached.
fn token_for_key(kid: &str) -> String {
    use base64::Engine;
    let encode = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let header = encode(serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": kid}));
    let claims = encode(serde_json::json!({"sub": "a"}));
    format!("{header}.{claims}.c2lnbmF0dXJl")
}

/// A provider on a free port that answers its discovery document and an empty
/// JWKS, each after `delay`; returns its issuer URL.
async fn slow_provider(delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let served = issuer.clone();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let issuer = served.clone();
            tokio::spawn(async move {
                let mut request = vec![0; 4096];
                let read = stream.read(&mut request).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&request[..read]).to_string();
                let body = if request.starts_with("GET /.well-known/openid-configuration") {
                    serde_json::json!({"issuer": issuer, "jwks_uri": format!("{issuer}/jwks")})
                } else {
                    serde_json::json!({"keys": []})
                };
                tokio::time::sleep(delay).await;
                let body = body.to_string();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    issuer
}

fn verifier(issuer: &str, fetch_deadline: Duration) -> OidcVerifier {
    let settings = OidcSettings {
        fetch_deadline,
        ..OidcSettings::new(issuer, vec!["folio".into()])
    };
    OidcVerifier::new(settings).unwrap()
}

#[tokio::test]
async fn one_fetch_of_discovery_and_keys_together_is_cut_at_its_deadline() {
    // Given a provider that takes 1.5 s for each of its two documents, and a
    // deadline of 2 s for a fetch
    let issuer = slow_provider(Duration::from_millis(1500)).await;
    let verifier = verifier(&issuer, Duration::from_secs(2));
    // When a token names a key Folio has not seen
    let refused = verifier.verify(&token_for_key("new")).await.unwrap_err();
    // Then the fetch stops at its deadline (both documents would have arrived,
    // each within it, only after 3 s): the provider counts as unavailable
    assert!(
        matches!(&refused, AuthError::ProviderUnavailable(why) if why.contains("within 2000 ms")),
        "{refused}"
    );
}

#[tokio::test]
async fn requests_that_waited_for_a_failed_fetch_fail_as_it_did() {
    // Given a provider that is down (nothing listens on its port)
    let issuer = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let verifier = std::sync::Arc::new(verifier(&issuer, Duration::from_secs(2)));
    // When ten requests with an unseen key arrive together
    let requests = (0..10).map(|n| {
        let verifier = verifier.clone();
        tokio::spawn(async move { verifier.verify(&token_for_key(&format!("k{n}"))).await })
    });
    // Then one fetches, and each is told the provider is unavailable (retry),
    // none that its key does not exist
    for outcome in futures::future::join_all(requests).await {
        let refused = outcome.unwrap().unwrap_err();
        assert!(
            matches!(refused, AuthError::ProviderUnavailable(_)),
            "{refused}"
        );
    }
}
