//! `folio pac-simulator`: a local PAC for tests and the demo (see
//! `folio_pac_simulator`), listening until interrupted.

use std::path::PathBuf;

use anyhow::Context;
use folio_pac_simulator::SimulatorConfig;

/// How the simulator listens and whom it accepts.
#[derive(Debug, clap::Args)]
pub struct PacSimulatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8095")]
    listen: String,
    /// The user `/security/authenticate` accepts.
    #[arg(long, default_value = "folio")]
    user: String,
    /// Its password.
    #[arg(long, default_value = "simulator")]
    password: String,
    /// SAT's `sitio_internet/cfd` directory (cfdv40.xsd and the cadena's
    /// XSLT), e.g. the PyPI package satcfdi's
    /// `transform/schemas/www.sat.gob.mx/sitio_internet/cfd`.
    #[arg(long, env = "FOLIO_SAT_SCHEMAS")]
    sat_schemas: PathBuf,
    /// Make the first N stamps but answer them with 502, as if the answers
    /// were lost on their way (for tests of retries).
    #[arg(long, default_value_t = 0)]
    lose_answers: usize,
    /// Run its clock this many hours ahead (for tests and demos of the 72
    /// hours a CFDI may wait for its stamp).
    #[arg(long, default_value_t = 0)]
    clock_offset_hours: i64,
    /// How many hours after its stamp SAT cancels a CFDI without asking its
    /// receiver (SAT's rule: 24; 0 makes every cancellation of a total above
    /// 1,000 pesos await the receiver, `POST /simulator/receiver/{uuid}/accept`
    /// or `/reject`).
    #[arg(long, default_value_t = 24)]
    acceptance_free_hours: i64,
}

/// Serves the simulator until the process ends.
pub async fn run(args: PacSimulatorArgs) -> anyhow::Result<()> {
    let schema = args.sat_schemas.join("4/cfdv40.xsd");
    anyhow::ensure!(
        schema.is_file(),
        "SAT's schema is not at {}: give --sat-schemas the sitio_internet/cfd directory",
        schema.display()
    );
    let mut config = SimulatorConfig::new(
        args.user,
        args.password,
        args.sat_schemas,
        args.lose_answers,
    )
    .context("the simulator's test certificate does not open")?;
    config.clock_offset = chrono::TimeDelta::hours(args.clock_offset_hours);
    config.acceptance_free = chrono::TimeDelta::hours(args.acceptance_free_hours);
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(listen = %args.listen, "PAC simulator listening");
    folio_pac_simulator::serve(listener, config).await?;
    Ok(())
}
