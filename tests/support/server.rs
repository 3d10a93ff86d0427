//! A running `folio serve` on a free port, driven over HTTP like the frontend.

use std::time::Duration;

use folio_api::{Role, TokenKeys};
use folio_domain::ids::TenantId;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use super::TestDatabase;

/// The HS256 secret every test server verifies tokens with.
pub const SECRET: &str = "a-test-secret-of-at-least-32-bytes!!";

/// A graphql-transport-ws connection to `/graphql/ws`.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A running `folio serve`, killed when dropped.
pub struct Server {
    /// The `folio serve` process.
    pub child: tokio::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client for it.
    pub http: reqwest::Client,
    /// Keys that mint tokens it accepts.
    pub keys: TokenKeys,
}

impl Server {
    pub async fn start(db: &TestDatabase) -> Self {
        Self::start_with(db, &[]).await
    }

    pub async fn start_with(db: &TestDatabase, env: &[(&str, &str)]) -> Self {
        Self::start_logging_to(db, env, std::process::Stdio::inherit()).await
    }

    /// `folio serve` with `env`, its log (stderr) going to `log`.
    pub async fn start_logging_to(
        db: &TestDatabase,
        env: &[(&str, &str)],
        log: impl Into<std::process::Stdio>,
    ) -> Self {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_folio"));
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("DATABASE_URL", &db.url)
            // Tests that wait for a lag figure wait less than with the default.
            .env("FOLIO_STATUS_INTERVAL_MS", "500")
            // Archived documents go to a scratch directory unless a test says where.
            .env(
                "FOLIO_BLOB_STORE",
                format!(
                    "file:{}",
                    std::env::temp_dir().join("folio-test-documents").display()
                ),
            );
        // The test secret, unless the test brings its own way to check tokens.
        if !env.iter().any(|(name, _)| *name == "FOLIO_OIDC_ISSUER") {
            command.env("FOLIO_JWT_SECRET", SECRET);
        }
        let mut child = command
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("the server starts")
            .unwrap()
            .expect("the server prints its address");
        let base = line
            .strip_prefix("folio: serving GraphQL on ")
            .and_then(|url| url.strip_suffix("/graphql"))
            .expect("address line")
            .to_owned();
        Server {
            child,
            base,
            http: reqwest::Client::new(),
            keys: TokenKeys::hs256(SECRET.as_bytes()).unwrap(),
        }
    }

    /// The body of `GET path` (`/metrics`, say), whatever its status.
    pub async fn text(&self, path: &str) -> String {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub fn token(&self, tenant: TenantId, subject: &str, role: Role) -> String {
        self.keys
            .mint(tenant, subject, &[role], chrono::Duration::hours(1))
            .unwrap()
    }

    pub async fn post(&self, token: Option<&str>, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    pub async fn gql(&self, token: &str, query: &str, variables: Value) -> Value {
        let (_, body) = self
            .post(
                Some(token),
                json!({"query": query, "variables": variables}).to_string(),
            )
            .await;
        body
    }

    /// Runs a query that must succeed and returns its data.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let body = self.gql(token, query, variables).await;
        assert!(body.get("errors").is_none(), "{query}\n{body:#}");
        body["data"].clone()
    }

    /// Opens a graphql-transport-ws connection and sends `connection_init` with `token`.
    pub async fn connect(&self, token: &str) -> Socket {
        let url = format!("{}/graphql/ws", self.base.replace("http://", "ws://"));
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let init = json!({"type": "connection_init",
            "payload": {"Authorization": format!("Bearer {token}")}});
        socket.send(Message::text(init.to_string())).await.unwrap();
        socket
    }

    /// Connects and subscribes to status changes.
    pub async fn subscribe(&self, token: &str) -> Socket {
        let mut socket = self.connect(token).await;
        let ack = socket.next().await.unwrap().unwrap();
        assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack}");
        let start = json!({"id": "1", "type": "subscribe", "payload": {"query":
            "subscription { statusChanges { kind aggregateId eventType version consistencyToken } }"}});
        socket.send(Message::text(start.to_string())).await.unwrap();
        socket
    }
}

/// Sends `query` as operation "q" on an acknowledged socket and returns the
/// first answer to it (a `next` with data or errors, or an `error`).
pub async fn socket_answer(socket: &mut Socket, query: &str) -> Value {
    let start = json!({"id": "q", "type": "subscribe", "payload": {"query": query}});
    socket.send(Message::text(start.to_string())).await.unwrap();
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(20), socket.next())
            .await
            .expect("an answer on the socket")
            .expect("the socket is open")
            .unwrap();
        let Ok(text) = message.to_text() else {
            continue;
        };
        let Ok(answer) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        if answer["id"] == "q" {
            return answer;
        }
    }
}

/// The value of the unlabelled series `name` in a Prometheus scrape, if it is
/// there.
pub fn series(scrape: &str, name: &str) -> Option<f64> {
    scrape.lines().find_map(|line| {
        line.strip_prefix(name)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}
