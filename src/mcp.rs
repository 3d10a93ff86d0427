//! `folio mcp`: the MCP tools on stdin/stdout, for a desktop assistant that
//! starts Folio as a child process. Stdout carries only the protocol; logs go to
//! stderr as for every command.

use anyhow::Context;
use folio::config::Config;
use folio::wiring::App;
use folio_api::mcp::FolioMcp;
use folio_api::Limits;
use folio_infra::postgres::read_progress;

/// Serves until the client closes stdin. Refuses to start without a token the
/// configured keys accept, before it touches the database.
pub async fn run(config: &Config, token: Option<String>) -> anyhow::Result<()> {
    let token = token.context(
        "no token: set FOLIO_MCP_TOKEN (or --token) to a bearer token; every tool call is made as its subject",
    )?;
    let authenticator = config.authenticator()?;
    authenticator
        .verify(&token)
        .await
        .context("the MCP token is refused")?;
    let app = App::start(config).await?;
    app.require_personal_data_keys().await?;
    let limits = Limits::default();
    let services = app.api_services(limits.max_waiting_reads);
    tokio::spawn(read_progress::answer_waiting_reads(
        app.pool.clone(),
        services.reads.progress().clone(),
        config.projections.poll_interval,
    ));
    let server = FolioMcp::for_token(services, limits, authenticator, token)
        .await
        .context("the MCP token is refused")?;
    server.serve_stdio().await.context("the MCP session failed")
}
