//! SAT's CFDI status service (`ConsultaCFDIService.svc`, SOAP action
//! `http://tempuri.org/IConsultaCFDIService/Consulta`), as SAT runs it at
//! `consultaqr.facturaelectronica.sat.gob.mx`: asked by the printed
//! expression `?re=<issuer>&rr=<receiver>&tt=<total>&id=<UUID>&fe=<seal's last
//! 8>`, it answers `Estado` (Vigente, Cancelado, No Encontrado),
//! `EsCancelable` and `EstatusCancelacion` (En proceso, Cancelado sin
//! aceptación, Cancelado con aceptación, Solicitud rechazada) for the folios
//! this simulator stamped.

use std::collections::HashMap;
use std::sync::PoisonError;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::folios::{same_amount, Folio, FolioState};
use crate::sw::Shared;

/// What SAT answers of a folio: `CodigoEstatus`, `Estado`, `EsCancelable`,
/// `EstatusCancelacion`.
type Answer = (&'static str, &'static str, &'static str, &'static str);

const NOT_FOUND: Answer = (
    "N - 602: Comprobante no encontrado.",
    "No Encontrado",
    "",
    "",
);

pub(crate) async fn consulta(State(simulator): State<Shared>, body: String) -> Response {
    let now = simulator.now();
    let window = simulator.config.acceptance_free;
    let folios = simulator
        .folios
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let answer = expression(&body)
        .and_then(|query| {
            let uuid = Uuid::parse_str(query.get("id")?).ok()?;
            let folio = folios.get(&uuid)?;
            matches(folio, &query).then_some(folio)
        })
        .map_or(NOT_FOUND, |folio| status(folio, now, window));
    drop(folios);
    let (code, estado, cancelable, cancelacion) = answer;
    let xml = format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
         <ConsultaResponse xmlns=\"http://tempuri.org/\"><ConsultaResult \
         xmlns:a=\"http://schemas.datacontract.org/2004/07/Sat.Cfdi.Negocio.ConsultaCfdi.Servicio\" \
         xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <a:CodigoEstatus>{code}</a:CodigoEstatus><a:EsCancelable>{cancelable}</a:EsCancelable>\
         <a:Estado>{estado}</a:Estado><a:EstatusCancelacion>{cancelacion}</a:EstatusCancelacion>\
         <a:ValidacionEFOS>200</a:ValidacionEFOS></ConsultaResult></ConsultaResponse>\
         </s:Body></s:Envelope>"
    );
    ([(CONTENT_TYPE, "text/xml; charset=utf-8")], xml).into_response()
}

/// The printed expression's parameters, from the request's
/// `expresionImpresa` (plain or in CDATA, `&` maybe as `&amp;`).
fn expression(body: &str) -> Option<HashMap<String, String>> {
    let start = body.find("?re=")? + 1;
    let rest = &body[start..];
    let end = rest.find([']', '<']).unwrap_or(rest.len());
    let query = rest[..end].replace("&amp;", "&");
    Some(
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect(),
    )
}

/// Whether the expression names `folio`: its parties, its total and, when
/// given, its seal's last 8 characters.
fn matches(folio: &Folio, query: &HashMap<String, String>) -> bool {
    let given = |name: &str| query.get(name).map(String::as_str).unwrap_or_default();
    given("re") == folio.issuer_rfc
        && given("rr") == folio.receiver_rfc
        && same_amount(given("tt"), &folio.total)
        && query.get("fe").is_none_or(|fe| *fe == folio.seal_tail)
}

fn status(folio: &Folio, now: chrono::DateTime<chrono::Utc>, window: chrono::TimeDelta) -> Answer {
    const FOUND: &str = "S - Comprobante obtenido satisfactoriamente.";
    let cancelable = if folio.cancels_without_acceptance(now, window) {
        "Cancelable sin aceptación"
    } else {
        "Cancelable con aceptación"
    };
    match folio.state {
        FolioState::Valid => (FOUND, "Vigente", cancelable, ""),
        FolioState::AwaitingReceiver => (FOUND, "Vigente", cancelable, "En proceso"),
        FolioState::RefusedByReceiver => (FOUND, "Vigente", cancelable, "Solicitud rechazada"),
        FolioState::Cancelled { accepted: false } => {
            (FOUND, "Cancelado", "", "Cancelado sin aceptación")
        }
        FolioState::Cancelled { accepted: true } => {
            (FOUND, "Cancelado", "", "Cancelado con aceptación")
        }
    }
}
