//! GraphQL over WebSocket (`/graphql/ws`, graphql-transport-ws), held to the
//! same rules as a request over HTTP.
//!
//! A socket is admitted at `connection_init` with the bearer token of its
//! payload, and then every operation sent on it is admitted again, as an HTTP
//! request is (`graphql::socket_guard`). When the token expires, the socket is
//! closed with code 4401 (Unauthorized), which clients of the protocol answer
//! by reconnecting with a fresh token.

use std::time::Duration;

use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use base64::Engine;
use futures::{SinkExt, StreamExt};
use tokio::sync::watch;

use crate::admission::{admit, Refusal};
use crate::graphql::socket_guard::{SocketAdmission, SocketSession};
use crate::graphql::{request_data, FolioSchema};

/// The close code a socket ends with when its token expires (graphql-transport-ws
/// uses 4401 for "Unauthorized").
pub const TOKEN_EXPIRED: u16 = 4401;

/// Serves one upgraded socket until the client leaves or its token expires.
pub(crate) async fn serve(
    admission: SocketAdmission,
    schema: FolioSchema,
    protocol: GraphQLProtocol,
    socket: WebSocket,
) {
    let (mut to_client, from_client) = socket.split();
    let (outgoing, mut outbox) = futures::channel::mpsc::channel::<Message>(16);
    let (set_expiry, expiry) = watch::channel(None::<tokio::time::Instant>);
    let expires_at = expiry.clone();
    let expired = until_expired(expiry);
    let session = GraphQLWebSocket::new_with_pair(
        outgoing,
        from_client.take_until(expired),
        schema,
        protocol,
    )
    .on_connection_init(move |payload| async move {
        let authorization = payload
            .get("Authorization")
            .or_else(|| payload.get("authorization"))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        let principal = admit(
            &admission.authenticator,
            &admission.services.use_cases,
            &admission.rate_limits,
            Some(&authorization),
        )
        .await
        .map_err(Refusal::into_api_error)?;
        let _ = set_expiry.send(token_expiry(&authorization));
        let mut data = request_data(principal, &admission.services, admission.limits);
        data.insert(SocketSession {
            admission,
            authorization,
        });
        Ok(data)
    })
    .serve();
    let forward = async {
        while let Some(message) = outbox.next().await {
            if to_client.send(message).await.is_err() {
                break;
            }
        }
    };
    futures::join!(session, forward);
    // The session ended: the client left, or its token expired, which cut the
    // input; then the client is told why.
    let deadline = *expires_at.borrow();
    if deadline.is_some_and(|at| tokio::time::Instant::now() >= at) {
        let _ = to_client
            .send(Message::Close(Some(CloseFrame {
                code: TOKEN_EXPIRED,
                reason: "the token expired; reconnect with a new one".into(),
            })))
            .await;
    }
}

/// Resolves when the token the socket was admitted with expires (never before
/// it was admitted).
async fn until_expired(mut expiry: watch::Receiver<Option<tokio::time::Instant>>) {
    let at = loop {
        if let Some(at) = *expiry.borrow_and_update() {
            break at;
        }
        if expiry.changed().await.is_err() {
            return std::future::pending().await;
        }
    };
    tokio::time::sleep_until(at).await;
}

/// When a bearer token (verified already) expires: its `exp` claim, read from
/// the payload, as an instant of the tokio clock.
fn token_expiry(authorization: &str) -> Option<tokio::time::Instant> {
    let token = authorization.strip_prefix("Bearer ")?.trim();
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let exp = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()?
        .get("exp")?
        .as_i64()?;
    let left = exp - chrono::Utc::now().timestamp();
    let left = Duration::from_secs(u64::try_from(left).unwrap_or(0));
    Some(tokio::time::Instant::now() + left)
}
