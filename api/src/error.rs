//! Every error a client sees, with its stable code and a message a person can
//! act on, whichever edge carries it (GraphQL's `extensions.code`, an MCP tool
//! error's `code`). The code of a response is decided here and nowhere else:
//! resolvers and tools build errors through these functions, the application
//! layer's errors carry their own code (`CommandError::code`,
//! `HistoryError::code`, `ReadError::code`), and the errors async-graphql raises itself (parse,
//! validation, limits) are labelled by `with_codes`.

use async_graphql::ErrorExtensions;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use folio_commands::documents::DocumentsError;
use folio_commands::history::HistoryError;
use folio_commands::notifications::log::NotificationsError;
use folio_commands::reads::ReadError;
use folio_commands::{CommandError, Forbidden, IdentifyError};
use folio_domain::{Coded, ErrorCode};
use serde_json::json;

use crate::auth::AuthError;

/// An error as every edge reports it: a stable code and a message for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// What kind of failure, the same on every edge.
    pub code: ErrorCode,
    /// What went wrong and what to do, never an internal detail.
    pub message: String,
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        let code = error.code.as_str();
        async_graphql::Error::new(error.message).extend_with(|_, e| e.set("code", code))
    }
}

/// An error of kind `code`.
pub fn coded(code: ErrorCode, message: impl Into<String>) -> ApiError {
    ApiError {
        code,
        message: message.into(),
    }
}

/// An input refused as it is: the message says which and why.
pub fn validation(message: impl Into<String>) -> ApiError {
    coded(ErrorCode::Validation, message)
}

/// A role that does not allow the operation.
pub fn forbidden(refusal: Forbidden) -> ApiError {
    coded(ErrorCode::Forbidden, refusal.to_string())
}

/// A request beyond a limit (page size, rate, complexity): the message names
/// the limit.
pub fn limit(message: impl Into<String>) -> ApiError {
    coded(ErrorCode::Limit, message)
}

/// A read's failure as a client sees it: the code the application layer
/// decided; a database failure is logged with detail and reported without it.
pub fn read(error: ReadError) -> ApiError {
    if let ReadError::Unavailable(cause) = &error {
        tracing::error!(error = %cause, "read model query failed");
    }
    coded(error.code(), error.to_string())
}

/// A command's failure as a client sees it: its code, and its message unless it is
/// internal (details go to the log).
pub fn command<E>(error: CommandError<E>) -> ApiError
where
    E: Coded + std::error::Error,
{
    let code = error.code();
    if code == ErrorCode::Internal {
        tracing::error!(error = ?error, "command failed");
        return coded(code, "internal error; it was logged");
    }
    coded(code, error.to_string())
}

/// A failed history read: the code the application layer decided; an
/// unavailable store or an unreadable event is logged and reported without detail.
pub fn history(error: HistoryError) -> ApiError {
    let code = error.code();
    match &error {
        HistoryError::Unavailable(cause) => {
            tracing::error!(error = %cause, "the event history is unavailable");
            coded(code, "the event store is unavailable; retry shortly")
        }
        HistoryError::Unreadable(cause) => {
            tracing::error!(error = %cause, "a stored event cannot be read");
            coded(
                code,
                "a stored event of this aggregate cannot be read; it was logged",
            )
        }
        _ => coded(code, error.to_string()),
    }
}

/// A failed read of a document or its archive: the code the application layer
/// decided; what is unavailable or unreadable is logged and reported without
/// detail.
pub fn documents(error: DocumentsError) -> ApiError {
    let code = error.code();
    match &error {
        DocumentsError::Unavailable(cause) => {
            tracing::error!(error = %cause, "the documents' stores are unavailable");
            coded(code, "the document archive is unavailable; retry shortly")
        }
        DocumentsError::Unreadable(cause) => {
            tracing::error!(error = %cause, "a document cannot be read");
            coded(code, "a stored document cannot be read; it was logged")
        }
        _ => coded(code, error.to_string()),
    }
}

/// A failed read of notifications: the code the application layer decided;
/// an outbox that did not answer is logged and reported without detail.
pub fn notifications(error: NotificationsError) -> ApiError {
    let code = error.code();
    match &error {
        NotificationsError::Unavailable(cause) => {
            tracing::error!(error = %cause, "the outbox is unavailable");
            coded(code, "notifications are unavailable; retry shortly")
        }
        _ => coded(code, error.to_string()),
    }
}

/// A refused token: `UNAUTHENTICATED`, except when the identity provider could
/// not be asked (`UNAVAILABLE`: not the caller's fault, a retry may pass).
pub fn authentication(error: &AuthError) -> ApiError {
    match error {
        AuthError::ProviderUnavailable(_) => coded(ErrorCode::Unavailable, error.to_string()),
        _ => coded(ErrorCode::Unauthenticated, error.to_string()),
    }
}

/// A verified token the tenant's directory does not admit: `UNAUTHENTICATED`
/// for a deactivated or uninvited subject, `UNAVAILABLE` when the directory
/// cannot be read or written, `INTERNAL` (logged) for the unexpected.
pub fn identification(error: IdentifyError) -> ApiError {
    let code = error.code();
    match code {
        ErrorCode::Unavailable => coded(
            code,
            "the directory cannot be read or written; retry shortly",
        ),
        ErrorCode::Internal => {
            tracing::error!(error = ?error, "identifying a caller failed");
            coded(code, "internal error; it was logged")
        }
        _ => coded(code, error.to_string()),
    }
}

/// A refused caller ([`authentication`], [`identification`]) as an HTTP answer
/// before any protocol runs: 401 with `WWW-Authenticate: Bearer`, or 503 with
/// `Retry-After`.
pub(crate) fn admission_response(refusal: &ApiError) -> Response {
    let (status, name, value) = match refusal.code {
        ErrorCode::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, header::RETRY_AFTER, "5"),
        ErrorCode::Unauthenticated => {
            (StatusCode::UNAUTHORIZED, header::WWW_AUTHENTICATE, "Bearer")
        }
        _ => (StatusCode::INTERNAL_SERVER_ERROR, header::RETRY_AFTER, "5"),
    };
    let mut response = error_response(status, refusal.code, &refusal.message);
    response
        .headers_mut()
        .insert(name, header::HeaderValue::from_static(value));
    response
}

/// A bug (a value the code cannot map): logged, reported without detail.
pub fn internal(what: &str) -> ApiError {
    tracing::error!(what, "internal error");
    coded(ErrorCode::Internal, "internal error; it was logged")
}

/// A GraphQL-shaped error response, for what fails before the schema runs (no
/// token, a body too large, not JSON, a panic, the request timeout).
pub(crate) fn error_response(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    (
        status,
        Json(json!({"errors": [{"message": message, "extensions": {"code": code.as_str()}}]})),
    )
        .into_response()
}

/// Gives every error a code: async-graphql's own (parse, validation, limits) have
/// none.
pub(crate) fn with_codes(mut response: async_graphql::Response) -> async_graphql::Response {
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if !has_code {
            // async-graphql reports its depth and complexity limits as plain
            // messages ("Query is nested too deep.", "Query is too complex."), with
            // no kind to match on; everything else it raises is a malformed request.
            let code =
                if error.message.contains("too deep") || error.message.contains("too complex") {
                    ErrorCode::Limit
                } else {
                    ErrorCode::Validation
                };
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", code.as_str());
        }
    }
    response
}
