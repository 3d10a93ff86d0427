//! What keeps one client from taking the server and browsers from being used
//! against it, over HTTP against `folio serve`: rate limits per tenant and per
//! client address, CORS for the configured origins only, security headers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use folio_api::Role;
use serde_json::{json, Value};
use support::server::Server;
use support::{tenant, TestDatabase};

/// Sends `count` cheap queries at once (concurrently, so that even a slow
/// machine delivers them within the limit's second) and returns each answer's
/// status, `Retry-After` and error code.
async fn burst(
    server: &Server,
    token: Option<&str>,
    count: usize,
) -> Vec<(u16, Option<u64>, Value)> {
    let send = || async {
        let mut request = server
            .http
            .post(format!("{}/graphql", server.base))
            .json(&json!({"query": "{ __typename }"}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().parse().unwrap());
        let body: Value = response.json().await.unwrap();
        (
            status,
            retry_after,
            body["errors"][0]["extensions"]["code"].clone(),
        )
    };
    futures::future::join_all((0..count).map(|_| send())).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_over_its_limit_gets_limit_and_another_tenant_is_unaffected() {
    let db = TestDatabase::new().await;
    let env = [
        ("FOLIO_RATE_LIMIT_PER_TENANT", "5"),
        ("FOLIO_RATE_LIMIT_PER_ADDRESS", "0"),
    ];
    let server = Server::start_with(&db, &env).await;
    let noisy = server.token(tenant(), "bot", Role::Accountant);
    let quiet = server.token(tenant(), "alice", Role::Accountant);

    // When one tenant sends far more than 5 per second (a burst of 10 allowed)
    let answers = burst(&server, Some(&noisy), 60).await;

    // Then the excess is refused at once with LIMIT, 429 and Retry-After
    let refused: Vec<_> = answers
        .iter()
        .filter(|(status, ..)| *status == 429)
        .collect();
    assert!(!refused.is_empty(), "{answers:?}");
    let served = answers.iter().filter(|(status, ..)| *status == 200).count();
    assert!(served >= 10, "the burst passes: {answers:?}");
    for (_, retry_after, code) in &refused {
        assert_eq!(code, "LIMIT");
        assert!(retry_after.is_some_and(|s| s >= 1), "{retry_after:?}");
    }
    // And another tenant, from the same address, is served
    let others = burst(&server, Some(&quiet), 5).await;
    assert!(
        others.iter().all(|(status, ..)| *status == 200),
        "{others:?}"
    );
    let metrics = server.text("/metrics").await;
    assert!(
        metrics.contains("folio_rate_limited_total{scope=\"tenant\"}"),
        "{metrics}"
    );
}

/// The tenant limit is charged before any database work (the directory check
/// among it): a flood of requests over it costs the database nothing per request.
#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_over_its_limit_is_refused_before_the_database_is_asked() {
    let db = TestDatabase::new().await;
    let env = [
        ("FOLIO_RATE_LIMIT_PER_TENANT", "1"),
        ("FOLIO_RATE_LIMIT_PER_ADDRESS", "0"),
    ];
    let before = db.transactions_when_alone().await;
    let mut server = Server::start_with(&db, &env).await;
    let token = server.token(tenant(), "bot", Role::Accountant);

    // When one tenant sends 2,000 requests against a limit of 1 per second
    let mut answers = Vec::new();
    for _ in 0..40 {
        answers.extend(burst(&server, Some(&token), 50).await);
    }
    server.child.kill().await.unwrap();

    // Then nearly all are refused, and the database did not work per request:
    // the directory check (two aggregate loads) of each refused one would have
    // cost far more transactions than the start and the idle loops
    let refused = answers.iter().filter(|(status, ..)| *status == 429).count();
    assert!(refused > 1900, "{refused} of {} refused", answers.len());
    let transactions = db.transactions_when_alone().await - before;
    eprintln!("{refused} refused: {transactions} transactions");
    assert!(
        transactions < refused as i64 / 4,
        "{transactions} transactions for {refused} refused requests"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_address_over_its_limit_is_refused_before_authentication_but_probes_pass() {
    let db = TestDatabase::new().await;
    let env = [
        ("FOLIO_RATE_LIMIT_PER_TENANT", "0"),
        ("FOLIO_RATE_LIMIT_PER_ADDRESS", "5"),
    ];
    let server = Server::start_with(&db, &env).await;

    // Unauthenticated requests count too: they are refused before any token work.
    let answers = burst(&server, None, 60).await;
    assert!(
        answers.iter().any(|(status, ..)| *status == 401),
        "{answers:?}"
    );
    let refused: Vec<_> = answers
        .iter()
        .filter(|(status, ..)| *status == 429)
        .collect();
    assert!(!refused.is_empty(), "{answers:?}");
    assert!(refused.iter().all(|(_, _, code)| code == "LIMIT"));

    // Health probes and scrapes are never limited.
    for path in ["/healthz", "/readyz", "/metrics"] {
        for _ in 0..20 {
            let response = server
                .http
                .get(format!("{}{path}", server.base))
                .send()
                .await
                .unwrap();
            assert_ne!(response.status().as_u16(), 429, "{path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn only_configured_origins_may_call_from_a_browser_and_every_answer_has_security_headers() {
    let db = TestDatabase::new().await;
    let env = [
        ("FOLIO_CORS_ORIGINS", "https://app.example.com"),
        ("FOLIO_GRAPHIQL", "yes"),
    ];
    let server = Server::start_with(&db, &env).await;
    let preflight = |origin: &'static str| {
        server
            .http
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", server.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let allowed = preflight("https://app.example.com").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let allowed_headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed_headers.contains("authorization"),
        "{allowed_headers}"
    );
    let foreign = preflight("https://evil.example").await.unwrap();
    assert!(foreign
        .headers()
        .get("access-control-allow-origin")
        .is_none());

    // Security headers, on an API answer and on GraphiQL's page.
    let token = server.token(tenant(), "alice", Role::Accountant);
    let (status, _) = server
        .post(Some(&token), json!({"query": "{ __typename }"}).to_string())
        .await;
    assert_eq!(status, 200);
    let api = server
        .http
        .post(format!("{}/graphql", server.base))
        .bearer_auth(&token)
        .json(&json!({"query": "{ __typename }"}))
        .send()
        .await
        .unwrap();
    let headers = api.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(
        headers["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    let page = server
        .http
        .get(format!("{}/graphql", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.headers()["content-security-policy"],
        "frame-ancestors 'none'"
    );
    assert_eq!(page.headers()["x-frame-options"], "DENY");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_spending_its_complexity_budget_gets_limit_and_another_is_unaffected() {
    let db = TestDatabase::new().await;
    // The smallest budget allowed: 1,000 per second, a burst of 2,000.
    let env = [
        ("FOLIO_COMPLEXITY_PER_TENANT", "1000"),
        ("FOLIO_RATE_LIMIT_PER_TENANT", "0"),
        ("FOLIO_RATE_LIMIT_PER_ADDRESS", "0"),
    ];
    let server = Server::start_with(&db, &env).await;
    let heavy = json!({"query": "{ invoices(first: 100) { edges { cursor node { id number status
        total currency amountDue lines { description totalAmount } } } } }"})
    .to_string();
    let light = json!({"query": "{ __typename }"}).to_string();
    let greedy = server.token(tenant(), "bi", Role::Accountant);
    let modest = server.token(tenant(), "ann", Role::Accountant);

    // When one tenant sends heavy queries back to back (far fewer requests than
    // any rate limit would notice)
    let mut refusal = None;
    for _ in 0..50 {
        let (status, body) = server.post(Some(&greedy), heavy.clone()).await;
        assert_eq!(status, 200, "{body}");
        if body["errors"][0]["extensions"]["code"] == "LIMIT" {
            refusal = Some(body);
            break;
        }
        assert!(body.get("errors").is_none(), "{body}");
    }
    // Then its budget runs out: LIMIT, saying why and when to retry, nothing read
    let refusal = refusal.expect("50 heavy queries within a second spend 2,000");
    let error = &refusal["errors"][0];
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("complexity budget"),
        "{refusal}"
    );
    assert!(
        error["extensions"]["retryAfter"]
            .as_u64()
            .is_some_and(|s| s >= 1),
        "{refusal}"
    );
    assert!(refusal["data"].is_null(), "{refusal}");
    // And another tenant's heavy query is served at once
    let (_, theirs) = server.post(Some(&modest), heavy).await;
    assert!(theirs.get("errors").is_none(), "{theirs}");
    // And the greedy tenant's light queries pass again within a few seconds
    support::eventually("the budget refills", || async {
        let (_, body) = server.post(Some(&greedy), light.clone()).await;
        body.get("errors").is_none().then_some(())
    })
    .await;
    let metrics = server.text("/metrics").await;
    assert!(
        metrics.contains("folio_rate_limited_total{scope=\"complexity\"}"),
        "{metrics}"
    );
}
