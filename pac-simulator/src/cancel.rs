//! Cancelling a stamped CFDI the way SW Sapien offers it, `POST
//! /cfdi33/cancel/csd` (JSON: `uuid`, `rfc`, `b64Cer`, `b64Key`, `password`,
//! `motivo`, `folioSustitucion`), decided as SAT does: the CSD must open and
//! be the issuer's and in force; the folio must exist and be that issuer's;
//! reason 01 names another valid folio of the issuer, the others none. The
//! answer is SAT's acknowledgement (`Acuse`, with `EstatusUUID` 201, or 202
//! when cancelled before) and SW's map of each folio's status; a refusal is
//! SAT's code (203-209, 303-305) first in SW's error message.
//!
//! SAT cancels at once within the acceptance-free window after the stamp
//! (24 hours, `SimulatorConfig::acceptance_free`), for a total up to 1,000
//! pesos or the general public; otherwise the receiver must accept, which
//! `POST /simulator/receiver/{uuid}/accept` or `/reject` plays (SAT's portal,
//! not SW's API). The acknowledgement is not signed (SAT's carries an XML
//! signature).

use std::sync::PoisonError;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use chrono::{DateTime, Utc};
use folio_documents::cfdi::Csd;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::folios::{Folio, FolioState};
use crate::sw::{authorised, error, Shared};

/// SW's cancellation request by CSD.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CancelRequest {
    uuid: String,
    rfc: String,
    b64_cer: String,
    b64_key: String,
    password: String,
    motivo: String,
    #[serde(default)]
    folio_sustitucion: Option<String>,
}

/// SAT's refusal of a cancellation: its code and words.
struct Refused(&'static str, &'static str);

pub(crate) async fn cancel_csd(
    State(simulator): State<Shared>,
    headers: HeaderMap,
    Json(request): Json<CancelRequest>,
) -> Response {
    if !authorised(&simulator, &headers) {
        return error(StatusCode::UNAUTHORIZED, "AU2000", "El token no es válido.");
    }
    let now = simulator.now();
    let window = simulator.config.acceptance_free;
    let mut folios = simulator
        .folios
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let decided = check_csd(&request, now).and_then(|uuid| {
        let replacement = check_reason(&request, &folios)?;
        let folio = folios
            .get_mut(&uuid)
            .ok_or(Refused("205", "UUID No existente."))?;
        if folio.issuer_rfc != request.rfc {
            return Err(Refused("203", "UUID No corresponde el emisor."));
        }
        if replacement == Some(uuid) {
            return Err(Refused("208", "Folio Sustitución inválido."));
        }
        Ok((uuid, transition(folio, now, window)))
    });
    match decided {
        Ok((uuid, status)) => {
            let acuse = acuse(&request.rfc, uuid, status, now);
            let folio_status = json!({ uuid.to_string().to_uppercase(): status });
            let data = json!({"acuse": acuse, "uuid": folio_status});
            Json(json!({"status": "success", "data": data})).into_response()
        }
        Err(Refused(code, message)) => error(StatusCode::BAD_REQUEST, code, message),
    }
}

/// The request's folio, once its CSD opens and is the issuer's and in force.
fn check_csd(request: &CancelRequest, now: DateTime<Utc>) -> Result<Uuid, Refused> {
    let engine = base64::engine::general_purpose::STANDARD;
    fn invalid<E>(_: E) -> Refused {
        Refused("305", "Certificado Inválido.")
    }
    let certificate = engine.decode(&request.b64_cer).map_err(invalid)?;
    let key = engine.decode(&request.b64_key).map_err(invalid)?;
    let csd = Csd::open(&certificate, &key, &request.password).map_err(invalid)?;
    let installed = csd.installed();
    if installed.holder_rfc != request.rfc {
        return Err(Refused("303", "Sello no corresponde a emisor."));
    }
    if now < installed.valid_from || now > installed.valid_until {
        return Err(Refused("304", "Certificado Revocado o Caduco."));
    }
    Uuid::parse_str(&request.uuid).map_err(|_| Refused("205", "UUID No existente."))
}

/// The replacing folio of reason 01 (valid, the issuer's), none for the
/// others.
fn check_reason(
    request: &CancelRequest,
    folios: &crate::folios::Folios,
) -> Result<Option<Uuid>, Refused> {
    let replacement = request
        .folio_sustitucion
        .as_deref()
        .filter(|folio| !folio.trim().is_empty());
    match (request.motivo.as_str(), replacement) {
        ("01", None) => Err(Refused("208", "Folio Sustitución inválido.")),
        ("01", Some(folio)) => {
            let uuid = Uuid::parse_str(folio)
                .map_err(|_| Refused("208", "Folio Sustitución inválido."))?;
            match folios.get(&uuid) {
                Some(replacing)
                    if replacing.issuer_rfc == request.rfc && !replacing.is_cancelled() =>
                {
                    Ok(Some(uuid))
                }
                _ => Err(Refused("208", "Folio Sustitución inválido.")),
            }
        }
        ("02" | "03" | "04", None) => Ok(None),
        ("02" | "03" | "04", Some(_)) => Err(Refused("209", "Folio Sustitución no requerido.")),
        _ => Err(Refused(
            "207",
            "No se especificó el motivo de cancelación o el motivo no es válido.",
        )),
    }
}

/// SAT's decision on a request for `folio`, and the status it acknowledges
/// with: 202 when cancelled before, 201 otherwise.
fn transition(folio: &mut Folio, now: DateTime<Utc>, window: chrono::TimeDelta) -> &'static str {
    match folio.state {
        FolioState::Cancelled { .. } => "202",
        FolioState::AwaitingReceiver => "201",
        FolioState::Valid | FolioState::RefusedByReceiver => {
            folio.state = if folio.cancels_without_acceptance(now, window) {
                FolioState::Cancelled { accepted: false }
            } else {
                FolioState::AwaitingReceiver
            };
            "201"
        }
    }
}

/// SAT's acknowledgement of a request (without SAT's signature).
fn acuse(rfc: &str, uuid: Uuid, status: &str, now: DateTime<Utc>) -> String {
    let fecha = now
        .with_timezone(&crate::checks::ZONE)
        .format("%Y-%m-%dT%H:%M:%S");
    let uuid = uuid.to_string().to_uppercase();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Acuse Fecha=\"{fecha}\" RfcEmisor=\"{rfc}\">\
         <Folios xmlns=\"http://cancelacfd.sat.gob.mx\"><UUID>{uuid}</UUID>\
         <EstatusUUID>{status}</EstatusUUID></Folios></Acuse>"
    )
}

/// The receiver's answer to a cancellation awaiting it: `accept` or
/// `reject`.
pub(crate) async fn receiver_answers(
    State(simulator): State<Shared>,
    Path((uuid, answer)): Path<(Uuid, String)>,
) -> Response {
    let mut folios = simulator
        .folios
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let Some(folio) = folios
        .get_mut(&uuid)
        .filter(|folio| folio.state == FolioState::AwaitingReceiver)
    else {
        return (
            StatusCode::NOT_FOUND,
            "no cancellation of that folio awaits its receiver",
        )
            .into_response();
    };
    folio.state = match answer.as_str() {
        "accept" => FolioState::Cancelled { accepted: true },
        "reject" => FolioState::RefusedByReceiver,
        _ => return (StatusCode::NOT_FOUND, "accept or reject").into_response(),
    };
    StatusCode::NO_CONTENT.into_response()
}
