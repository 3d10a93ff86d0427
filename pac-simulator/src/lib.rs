//! A local PAC (*Proveedor Autorizado de Certificación*) for tests and the
//! demo. It answers SW Sapien's REST stamping API (`POST
//! /security/authenticate`, then `POST /v4/cfdi33/stamp/v4` with the CFDI as
//! the multipart field `xml`, answered in SW's JSON, response version 4) and
//! checks a CFDI as a PAC must before it stamps it:
//!
//! - the XML against SAT's `cfdv40.xsd` and `Pagos20.xsd` (`xmllint`, with SAT's own files),
//! - the seal: SAT's `cadenaoriginal_4_0.xslt` makes the cadena (`xsltproc`),
//!   the certificate in the CFDI verifies `Sello` over it,
//! - the certificate: its number is `NoCertificado`, it is the issuer's RFC's
//!   and in force at the CFDI's `Fecha`,
//! - the 72 hours: `Fecha` no older than that,
//! - the receiver, for SAT's test taxpayers it knows
//!   (`data/test-taxpayers.tsv`): the name and postal code SAT registers,
//! - duplicates: the same cadena again is refused with code 307 and the
//!   stamp it got the first time (as SW answers), never a second UUID.
//!
//! A CFDI it accepts gets a `TimbreFiscalDigital` 1.1 signed with the
//! simulator's own test certificate (not SAT's: `fixtures/pac-simulator/`).
//! Beyond those few taxpayers it does not know SAT's lists (LCO, the
//! registry of taxpayers): any issuer whose certificate checks out is
//! stamped. Stamps live in memory, for the
//! life of the process.
//!
//! It cancels what it stamped as SAT would (`cancel`: SW's `POST
//! /cfdi33/cancel/csd`, with the receiver's acceptance where SAT asks for
//! it) and answers SAT's own status service for those folios (`sat_status`:
//! `POST /ConsultaCFDIService.svc`), so Folio's canceller is tested end to end.
//!
//! For tests of what happens when a PAC's answer is lost, it can be told to
//! make the first stamps but answer them with 502 (`lose_answers`): the stamp
//! stands, as at a real PAC whose answer a proxy dropped.

mod cancel;
mod checks;
mod folios;
mod sat_status;
mod sw;
mod tfd;

use std::path::PathBuf;

use folio_documents::cfdi::{Csd, CsdError};

use std::sync::Arc;

use axum::routing::post;
use axum::Router;

/// The simulator's routes: SW's stamping and cancelling, the receiver's
/// answer, SAT's status service.
pub fn router(config: SimulatorConfig) -> Router {
    Router::new()
        .route("/security/authenticate", post(sw::authenticate))
        .route("/v4/cfdi33/stamp/v4", post(sw::stamp_v4))
        .route("/cfdi33/cancel/csd", post(cancel::cancel_csd))
        .route(
            "/simulator/receiver/{uuid}/{answer}",
            post(cancel::receiver_answers),
        )
        .route("/ConsultaCFDIService.svc", post(sat_status::consulta))
        .with_state(Arc::new(sw::Simulator::new(config)))
}

/// The simulator's own test certificate (`fixtures/pac-simulator/`).
const CERTIFICATE: &[u8] = include_bytes!("../../fixtures/pac-simulator/pac-simulator.cer");
/// Its private key, encrypted PKCS#8.
const KEY: &[u8] = include_bytes!("../../fixtures/pac-simulator/pac-simulator.key");
/// The key's password (a test fixture's, written in its README).
const KEY_PASSWORD: &str = "simulator";

/// How a simulator behaves.
#[derive(Debug)]
pub struct SimulatorConfig {
    /// The user `POST /security/authenticate` accepts.
    pub user: String,
    /// Its password.
    pub password: String,
    /// SAT's `sitio_internet/cfd` directory: `4/cfdv40.xsd` and
    /// `4/cadenaoriginal_4_0/cadenaoriginal_4_0.xslt` (as the PyPI package
    /// `satcfdi` ships them).
    pub sat_schemas: PathBuf,
    /// The first this many stamps are made but answered with 502.
    pub lose_answers: usize,
    /// How far its clock runs ahead of the machine's: a test of the 72 hours
    /// moves it days on instead of waiting them.
    pub clock_offset: chrono::TimeDelta,
    /// How long after its stamp SAT cancels a CFDI without its receiver's
    /// acceptance (24 hours; a test of the acceptance sets zero).
    pub acceptance_free: chrono::TimeDelta,
    /// What it signs its stamps with.
    pub signer: Csd,
}

impl SimulatorConfig {
    /// A simulator that signs with its own test certificate.
    pub fn new(
        user: String,
        password: String,
        sat_schemas: PathBuf,
        lose_answers: usize,
    ) -> Result<Self, CsdError> {
        Ok(SimulatorConfig {
            user,
            password,
            sat_schemas,
            lose_answers,
            clock_offset: chrono::TimeDelta::zero(),
            acceptance_free: chrono::TimeDelta::hours(24),
            signer: Csd::open(CERTIFICATE, KEY, KEY_PASSWORD)?,
        })
    }
}

/// Serves the simulator on `listener` until the process ends.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: SimulatorConfig,
) -> std::io::Result<()> {
    axum::serve(listener, router(config)).await
}
