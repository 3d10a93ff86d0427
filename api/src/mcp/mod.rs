//! The MCP edge: Folio as a Model Context Protocol server, so that an assistant
//! can answer "which invoices are overdue for Acme?" or file an expense under the
//! same rules as the API. Like GraphQL it is thin: every tool checks the caller
//! through the application layer's role matrix and calls its use cases or the
//! read models' typed queries ([`crate::request`]), and a failure is a tool error
//! carrying Folio's stable code.
//!
//! Two transports serve the same [`FolioMcp`]:
//! - streamable HTTP at `/mcp` on `folio serve` ([`http_service`]): stateless, so
//!   any replica answers any request; every request carries the same bearer JWT
//!   as GraphQL, checked before the protocol sees it;
//! - stdio (`folio mcp`, for desktop clients): one token for the whole session,
//!   refused at start if invalid and checked again on every call, so an expired
//!   token stops working ([`FolioMcp::for_token`]).
//!
//! - [`reads`], [`writes`]: the tools, their argument and result types.
//! - [`resources`]: the documentation an assistant can read (read models, SDL).

pub mod reads;
pub mod resources;
pub mod writes;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use folio_commands::Caller;
use folio_domain::ErrorCode;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::{IntoCallToolResult, ToolCallContext};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Extensions, Implementation,
    ListResourcesResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext as McpContext;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{tool_handler, ErrorData, RoleServer};
use serde_json::json;

use crate::auth::{AuthError, Authenticator};
use crate::error::{coded, validation, ApiError};
use crate::request::{Limits, RequestContext, Services};

/// What an assistant is told about the server when it connects.
const INSTRUCTIONS: &str = "Folio: invoicing and expenses of one tenant. Read tools list and \
    fetch customers, invoices, expenses, reports and an aggregate's audited history. Write tools \
    need an idempotency_key (1-200 characters, yours): a retry with the same key returns the first \
    outcome and writes nothing again. A write returns a consistency_token; pass it to the next \
    read tool to see the write. Amounts are decimal strings in the document's currency. A failed \
    call is a tool error whose structured content has a stable `code` (VALIDATION, NOT_FOUND, \
    CONFLICT, FORBIDDEN, UNAUTHENTICATED, LIMIT, UNAVAILABLE, INTERNAL) and a `message`.";

/// The MCP server over Folio's application layer.
#[derive(Clone)]
pub struct FolioMcp {
    services: Services,
    limits: Limits,
    /// The session's token (stdio); `None` over HTTP, where each request
    /// carries its own, verified by [`authenticate`].
    session_token: Option<SessionToken>,
    tool_router: ToolRouter<FolioMcp>,
}

impl std::fmt::Debug for FolioMcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FolioMcp")
            .field("stdio", &self.session_token.is_some())
            .finish_non_exhaustive()
    }
}

/// The `traceparent` of the HTTP request a tool call came in (the tools run on
/// the SDK's tasks, outside the request's span).
#[derive(Debug, Clone)]
pub struct TraceParent(pub Option<String>);

/// The one token of a stdio session and what verifies it.
#[derive(Clone)]
struct SessionToken {
    authenticator: Authenticator,
    token: String,
}

impl FolioMcp {
    fn new(services: Services, limits: Limits, session_token: Option<SessionToken>) -> Self {
        FolioMcp {
            services,
            limits,
            session_token,
            tool_router: Self::read_tools() + Self::write_tools(),
        }
    }

    /// A server whose every request is made with `token` (stdio). Refused at once
    /// if `authenticator` does not accept the token, so a misconfigured client
    /// fails at start.
    pub async fn for_token(
        services: Services,
        limits: Limits,
        authenticator: Authenticator,
        token: String,
    ) -> Result<Self, AuthError> {
        authenticator.verify(&token).await?;
        let session = SessionToken {
            authenticator,
            token,
        };
        Ok(Self::new(services, limits, Some(session)))
    }

    /// Serves on stdin and stdout until the client closes them.
    pub async fn serve_stdio(self) -> std::io::Result<()> {
        let running = rmcp::ServiceExt::serve(self, rmcp::transport::stdio())
            .await
            .map_err(std::io::Error::other)?;
        running.waiting().await.map_err(std::io::Error::other)?;
        Ok(())
    }

    /// The request context of one tool call: the session token's caller (checked
    /// again, so an expired token stops working), or the one the HTTP request was
    /// authenticated as.
    async fn request(&self, extensions: &Extensions) -> Result<RequestContext, ApiError> {
        let caller = match &self.session_token {
            Some(session) => {
                let claimed = session
                    .authenticator
                    .verify(&session.token)
                    .await
                    .map_err(|e| crate::error::authentication(&e))?;
                crate::admission::admit_caller(&self.services.use_cases, claimed).await?
            }
            None => extensions
                .get::<axum::http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<Caller>())
                .cloned()
                .ok_or_else(|| {
                    coded(
                        ErrorCode::Unauthenticated,
                        "a bearer token is required (Authorization: Bearer <jwt>)",
                    )
                })?,
        };
        Ok(RequestContext::new(caller, &self.services, self.limits))
    }

    /// The trace the HTTP request of a tool call belongs to, if any.
    fn trace_parent(extensions: &Extensions) -> Option<String> {
        extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<TraceParent>())
            .and_then(|trace| trace.0.clone())
    }
}

/// A failure as an MCP tool error: `isError`, with `{code, message}` as
/// structured content (and as its text), never a dropped connection.
impl IntoCallToolResult for ApiError {
    fn into_call_tool_result(self) -> Result<CallToolResponse, ErrorData> {
        Ok(CallToolResult::structured_error(json!({
            "code": self.code.as_str(),
            "message": self.message,
        }))
        .into())
    }
}

#[tool_handler(router = self.tool_router)]
impl rmcp::ServerHandler for FolioMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("folio", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    /// Runs a tool. Arguments that do not match its schema, which the SDK turns
    /// into an uncoded tool error, become a `VALIDATION` tool error like every
    /// other refusal (every error of Folio's own carries structured content).
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: McpContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let started = std::time::Instant::now();
        let tool = request.name.to_string();
        let call = ToolCallContext::new(self, request, context);
        let response = match self.tool_router.call(call).await? {
            CallToolResponse::Complete(result)
                if result.is_error == Some(true) && result.structured_content.is_none() =>
            {
                let said: String = result
                    .content
                    .iter()
                    .filter_map(|c| c.as_text().map(|t| t.text.as_str()))
                    .collect();
                let detail = said
                    .strip_prefix("failed to deserialize parameters:")
                    .unwrap_or(&said)
                    .trim();
                validation(format!(
                    "the arguments do not match the tool's input schema: {detail}"
                ))
                .into_call_tool_result()
            }
            other => Ok(other),
        };
        if let Ok(CallToolResponse::Complete(result)) = &response {
            let code = match &result.structured_content {
                _ if result.is_error != Some(true) => "OK",
                Some(content) => content["code"].as_str().unwrap_or("INTERNAL"),
                None => "INTERNAL",
            };
            crate::metrics::tool_call(&tool, code, started.elapsed());
        }
        response
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: McpContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(resources::list()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: McpContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        resources::read(&request.uri)
            .map(Into::into)
            .ok_or_else(|| {
                ErrorData::resource_not_found(
                    format!("no resource '{}'; resources/list names them", request.uri),
                    None,
                )
            })
    }
}

/// The streamable HTTP endpoint (mounted at `/mcp`): stateless JSON responses,
/// so no session pins a client to one replica. Authentication is done before it,
/// by [`authenticate`]; the SDK's Host and Origin allow-lists are off because a
/// request without the bearer token (which a browser never attaches by itself)
/// is refused anyway, and the deployment's host names are not known here.
pub fn http_service(
    services: Services,
    limits: Limits,
) -> StreamableHttpService<FolioMcp, NeverSessionManager> {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(limits.max_body_bytes)
        .disable_allowed_hosts()
        .disable_allowed_origins();
    StreamableHttpService::new(
        move || Ok(FolioMcp::new(services.clone(), limits, None)),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

/// What an MCP HTTP request must pass before the protocol sees it.
#[derive(Debug, Clone)]
pub struct Gate {
    /// What verifies bearer tokens.
    pub authenticator: Authenticator,
    /// The use cases, whose directory admits the token's subject.
    pub use_cases: Arc<folio_commands::UseCases>,
    /// The per-tenant limits, shared with GraphQL.
    pub rate_limits: crate::protection::RateLimits,
}

/// Refuses an MCP HTTP request without a valid bearer token (401, before the
/// protocol sees it, so a forged token cannot even initialize) or over its
/// tenant's rate limit (429), and hands the verified caller to the tools.
pub async fn authenticate(State(gate): State<Gate>, mut request: Request, next: Next) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let admitted = crate::admission::admit(
        &gate.authenticator,
        &gate.use_cases,
        &gate.rate_limits,
        authorization,
    )
    .await;
    match admitted {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(refusal) => axum::response::IntoResponse::into_response(refusal),
    }
}
