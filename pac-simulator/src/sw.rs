//! SW Sapien's REST shape: a token from `POST /security/authenticate` (user
//! and password as headers), then `POST /v4/cfdi33/stamp/v4` with
//! `Authorization: bearer <token>` and the CFDI as the multipart field `xml`.
//! Answers are SW's JSON: `{"status": "success", "data": {...}}`, or
//! `{"status": "error", "message": "<code>. <text>", "messageDetail": ...}`
//! with 400 (401 for credentials); a duplicate is code 307 with the first
//! stamp's `data`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::checks::{check, Checked, Refusal};
use crate::folios::{Folio, FolioState, Folios};
use crate::tfd::{stamp, Stamp};
use crate::SimulatorConfig;

/// How long a token lasts, in seconds (SW's: two hours).
const TOKEN_SECONDS: u64 = 7_200;

/// The simulator's memory: tokens given, stamps made (by the SHA-256 of the
/// CFDI's cadena), the folios as SAT knows them, answers still to lose.
pub(crate) struct Simulator {
    pub config: SimulatorConfig,
    tokens: Mutex<HashSet<String>>,
    stamps: Mutex<HashMap<String, Stamp>>,
    pub folios: Mutex<Folios>,
    answers_lost: Mutex<usize>,
}

impl Simulator {
    /// The simulator's clock.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.config.clock_offset
    }
}

pub(crate) type Shared = Arc<Simulator>;

impl Simulator {
    /// A simulator that remembers nothing yet.
    pub fn new(config: SimulatorConfig) -> Self {
        Simulator {
            config,
            tokens: Mutex::default(),
            stamps: Mutex::default(),
            folios: Mutex::default(),
            answers_lost: Mutex::default(),
        }
    }
}

/// SW's error answer: a numeric code as `307. ...`, SAT's and SW's own
/// as `CFDI40145 - ...`.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let separator = if code.starts_with(|c: char| c.is_ascii_digit()) {
        "."
    } else {
        " -"
    };
    let body = json!({"status": "error", "message": format!("{code}{separator} {message}"),
                      "messageDetail": message});
    (status, Json(body)).into_response()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

pub(crate) async fn authenticate(State(simulator): State<Shared>, headers: HeaderMap) -> Response {
    let config = &simulator.config;
    if header(&headers, "user") != config.user || header(&headers, "password") != config.password {
        return error(
            StatusCode::UNAUTHORIZED,
            "AU4101",
            "El usuario y/o contraseña son inválidos.",
        );
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    simulator
        .tokens
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(token.clone());
    let data = json!({"token": token, "expires_in": TOKEN_SECONDS, "tokeny_type": "bearer"});
    Json(json!({"status": "success", "data": data})).into_response()
}

/// Whether the request carries a token this simulator gave.
pub(crate) fn authorised(simulator: &Simulator, headers: &HeaderMap) -> bool {
    let given = header(headers, "authorization");
    let token = given
        .strip_prefix("bearer ")
        .or_else(|| given.strip_prefix("Bearer "))
        .unwrap_or_default();
    simulator
        .tokens
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains(token)
}

/// The bytes of the multipart field `xml`.
async fn xml_field(multipart: &mut Multipart) -> Option<Vec<u8>> {
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("xml") {
            return field.bytes().await.ok().map(|bytes| bytes.to_vec());
        }
    }
    None
}

/// The answer's `data` for a stamp (response version 4).
fn data(stamp: &Stamp) -> Value {
    json!({
        "cadenaOriginalSAT": stamp.cadena,
        "noCertificadoSAT": stamp.no_certificado_sat,
        "noCertificadoCFDI": stamp.no_certificado_cfdi,
        "uuid": stamp.uuid.to_string(),
        "selloSAT": stamp.sello_sat,
        "selloCFDI": stamp.sello_cfd,
        "fechaTimbrado": stamp.fecha_timbrado,
        "cfdi": stamp.cfdi,
    })
}

pub(crate) async fn stamp_v4(
    State(simulator): State<Shared>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    if !authorised(&simulator, &headers) {
        return error(StatusCode::UNAUTHORIZED, "AU2000", "El token no es válido.");
    }
    let Some(xml) = xml_field(&mut multipart).await else {
        return error(StatusCode::BAD_REQUEST, "301", "Falta el campo xml.");
    };
    let now = simulator.now();
    let checked = match check(&xml, &simulator.config.sat_schemas, now).await {
        Ok(checked) => checked,
        Err(Refusal { code, message }) => {
            return error(StatusCode::BAD_REQUEST, code, &message);
        }
    };
    let key = hex(&Sha256::digest(checked.cadena.as_bytes()));
    let mut stamps = simulator
        .stamps
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(earlier) = stamps.get(&key) {
        let body = json!({"status": "error",
                          "message": "307. El comprobante contiene un timbre previo.",
                          "messageDetail": "", "data": data(earlier)});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let text = String::from_utf8_lossy(&xml);
    let Some(stamped) = stamp(&text, &checked, &simulator.config.signer, now) else {
        return error(StatusCode::BAD_REQUEST, "301", "XML mal formado.");
    };
    tracing::info!(uuid = %stamped.uuid, "stamped a CFDI");
    simulator
        .folios
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(stamped.uuid, folio(&checked, now));
    let answer = Json(json!({"status": "success", "data": data(&stamped)})).into_response();
    stamps.insert(key, stamped);
    drop(stamps);
    let mut lost = simulator
        .answers_lost
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if *lost < simulator.config.lose_answers {
        *lost += 1;
        return (StatusCode::BAD_GATEWAY, "the answer was lost on its way").into_response();
    }
    answer
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The folio SAT knows a CFDI stamped at `now` by.
fn folio(checked: &Checked, now: DateTime<Utc>) -> Folio {
    let tail = checked.sello.len().saturating_sub(8);
    Folio {
        issuer_rfc: checked.issuer_rfc.clone(),
        receiver_rfc: checked.receiver_rfc.clone(),
        total: checked.total.clone(),
        seal_tail: checked.sello.get(tail..).unwrap_or_default().to_owned(),
        stamped_at: now,
        state: FolioState::Valid,
    }
}
