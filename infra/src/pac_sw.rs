//! The [`Pac`] port on SW Sapien's REST API (SmarterWeb, a PAC authorised by
//! SAT): `POST {url}/security/authenticate` with the account's user and
//! password as headers gives a token (two hours); `POST
//! {url}/v4/cfdi33/stamp/v4` with `Authorization: bearer <token>` and the
//! sealed CFDI as the multipart field `xml` stamps it, answering in JSON
//! (response version 4: the stamped CFDI in `data.cfdi`). Errors carry SW's
//! code first in `message` (`307. El comprobante contiene un timbre
//! previo.`, `CFDI40145 - ...`): 307 comes with the earlier stamp's `data`
//! (adopted), 401 means past the 72 hours, any other is SAT's refusal.
//! `POST {url}/cfdi33/cancel/csd` (JSON: the folio, the issuer's RFC, its CSD's
//! certificate and key in base64 with the key's password, `motivo`,
//! `folioSustitucion`) asks SAT to cancel a folio: SAT's `Acuse` and each
//! folio's `EstatusUUID` come back in `data`. SW's cancellation by CSD sends
//! the key to the PAC (over TLS); its cancellation by a signed XML would keep
//! the key in Folio and is not built yet.
//! SW's test environment is `https://services.test.sw.com.mx`.

use std::time::Duration;

use std::collections::HashMap;

use async_trait::async_trait;
use base64::Engine;
use folio_commands::stamping::{CancelAnswer, CancellationToSend, Pac, PacAnswer, PacError};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

/// How long one request to the PAC may take.
const PAC_TIMEOUT: Duration = Duration::from_secs(30);

/// SW Sapien's stamping service for one account.
pub struct SwSapienPac {
    client: reqwest::Client,
    url: String,
    user: String,
    password: String,
    token: Mutex<Option<String>>,
}

impl std::fmt::Debug for SwSapienPac {
    /// The service and the user; never the password or the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SwSapienPac")
            .field("url", &self.url)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// SW's answer, with its `data` of type `D`.
#[derive(Debug, Deserialize)]
struct SwAnswer<D = SwData> {
    status: String,
    message: Option<String>,
    data: Option<D>,
}

/// The parts of SW's `data` Folio reads (a stamp's, or a token's).
#[derive(Debug, Deserialize)]
struct SwData {
    cfdi: Option<String>,
    token: Option<String>,
}

/// The `data` of SW's answer to a cancellation.
#[derive(Debug, Deserialize)]
struct SwCancelData {
    acuse: Option<String>,
    /// Each folio's `EstatusUUID`, by folio.
    uuid: Option<HashMap<String, String>>,
}

/// SW's cancellation request by CSD.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SwCancelRequest<'a> {
    uuid: String,
    rfc: &'a str,
    b64_cer: String,
    b64_key: String,
    password: &'a str,
    motivo: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    folio_sustitucion: Option<String>,
}

impl SwSapienPac {
    /// The service at `url` (without a trailing slash), for the account
    /// `user`.
    pub fn new(url: &str, user: String, password: String) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(PAC_TIMEOUT)
            .user_agent(concat!("Folio/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(SwSapienPac {
            client,
            url: url.trim_end_matches('/').to_owned(),
            user,
            password,
            token: Mutex::new(None),
        })
    }

    /// The token, asked for when none is held.
    async fn token(&self) -> Result<String, PacError> {
        let mut held = self.token.lock().await;
        if let Some(token) = held.as_ref() {
            return Ok(token.clone());
        }
        let response = self
            .client
            .post(format!("{}/security/authenticate", self.url))
            .header("user", &self.user)
            .header("password", &self.password)
            .send()
            .await
            .map_err(|e| PacError::Unavailable(e.to_string()))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(PacError::Unavailable(format!(
                "authentication answered {status}"
            )));
        }
        let answer: SwAnswer = response
            .json()
            .await
            .map_err(|e| PacError::Protocol(format!("authentication: {e}")))?;
        let token = answer
            .data
            .and_then(|data| data.token)
            .filter(|_| answer.status == "success")
            .ok_or_else(|| PacError::Credentials(answer.message.unwrap_or_default()))?;
        *held = Some(token.clone());
        Ok(token)
    }

    /// Posts `cfdi` as the multipart field `xml`.
    async fn send(&self, token: &str, cfdi: &[u8]) -> Result<reqwest::Response, PacError> {
        let boundary = format!("folio-{}", uuid::Uuid::new_v4().simple());
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"xml\"; filename=\"xml\"\r\n\
             Content-Type: text/xml\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(cfdi);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.client
            .post(format!("{}/v4/cfdi33/stamp/v4", self.url))
            .header("authorization", format!("bearer {token}"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| PacError::Unavailable(e.to_string()))
    }
}

#[async_trait]
impl Pac for SwSapienPac {
    async fn stamp(&self, cfdi: &[u8]) -> Result<PacAnswer, PacError> {
        let mut response = self.send(&self.token().await?, cfdi).await?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED {
            // The token expired: once more with a new one.
            *self.token.lock().await = None;
            response = self.send(&self.token().await?, cfdi).await?;
        }
        read_answer(response).await
    }

    async fn cancel(&self, request: &CancellationToSend<'_>) -> Result<CancelAnswer, PacError> {
        let engine = base64::engine::general_purpose::STANDARD;
        let body = SwCancelRequest {
            uuid: request.uuid.to_string().to_uppercase(),
            rfc: request.issuer_rfc,
            b64_cer: engine.encode(&request.csd.certificate),
            b64_key: engine.encode(&request.csd.private_key),
            password: &request.csd.password,
            motivo: request.reason.code(),
            folio_sustitucion: request.replacement.map(|r| r.to_string().to_uppercase()),
        };
        let post = |token: String| {
            self.client
                .post(format!("{}/cfdi33/cancel/csd", self.url))
                .header("authorization", format!("bearer {token}"))
                .json(&body)
                .send()
        };
        let unavailable = |e: reqwest::Error| PacError::Unavailable(e.to_string());
        let mut response = post(self.token().await?).await.map_err(unavailable)?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED {
            *self.token.lock().await = None;
            response = post(self.token().await?).await.map_err(unavailable)?;
        }
        read_cancel_answer(response, request.uuid).await
    }
}

/// What SW's answer to a cancellation says of `uuid`.
async fn read_cancel_answer(
    response: reqwest::Response,
    uuid: uuid::Uuid,
) -> Result<CancelAnswer, PacError> {
    let status = response.status();
    if status.is_server_error() {
        return Err(PacError::Unavailable(format!(
            "cancelling answered {status}"
        )));
    }
    if status == reqwest::StatusCode::UNAUTHORIZED {
        return Err(PacError::Credentials(format!(
            "cancelling answered {status}"
        )));
    }
    let answer: SwAnswer<SwCancelData> = response
        .json()
        .await
        .map_err(|e| PacError::Protocol(format!("{status}: {e}")))?;
    if answer.status != "success" {
        let message = answer.message.unwrap_or_default();
        return match split_code(&message) {
            ("", _) => Err(PacError::Protocol(format!(
                "{status}: an error without a code"
            ))),
            (code, text) => Ok(CancelAnswer::Refused {
                code: code.to_owned(),
                message: text.to_owned(),
            }),
        };
    }
    let data = answer
        .data
        .ok_or_else(|| PacError::Protocol(format!("{status}: a cancellation without data")))?;
    let status_code = data
        .uuid
        .unwrap_or_default()
        .into_iter()
        .find(|(folio, _)| folio.eq_ignore_ascii_case(&uuid.to_string()))
        .map(|(_, code)| code)
        .ok_or_else(|| PacError::Protocol(format!("{status}: no status of the folio")))?;
    match (status_code.as_str(), data.acuse) {
        ("201" | "202", Some(acuse)) => Ok(CancelAnswer::Acknowledged {
            acuse: acuse.into_bytes(),
            status_code,
        }),
        ("201" | "202", None) => Err(PacError::Protocol(format!(
            "{status}: an acknowledgement without its Acuse"
        ))),
        (_, _) => Ok(CancelAnswer::Refused {
            message: format!("SAT's status of the folio: {status_code}"),
            code: status_code,
        }),
    }
}

/// What SW's answer to a stamp request says.
async fn read_answer(response: reqwest::Response) -> Result<PacAnswer, PacError> {
    let status = response.status();
    if status.is_server_error() {
        return Err(PacError::Unavailable(format!("stamping answered {status}")));
    }
    if status == reqwest::StatusCode::UNAUTHORIZED {
        return Err(PacError::Credentials(format!("stamping answered {status}")));
    }
    let answer: SwAnswer = response
        .json()
        .await
        .map_err(|e| PacError::Protocol(format!("{status}: {e}")))?;
    let stamped = |earlier: bool, data: Option<SwData>| {
        data.and_then(|data| data.cfdi)
            .map(|cfdi| PacAnswer::Stamped {
                cfdi: cfdi.into_bytes(),
                earlier,
            })
            .ok_or_else(|| PacError::Protocol(format!("{status}: a stamp without its CFDI")))
    };
    if answer.status == "success" {
        return stamped(false, answer.data);
    }
    let message = answer.message.unwrap_or_default();
    let (code, text) = split_code(&message);
    match code {
        "307" => stamped(true, answer.data),
        "401" => Ok(PacAnswer::Expired),
        "" => Err(PacError::Protocol(format!(
            "{status}: an error without a code"
        ))),
        _ => Ok(PacAnswer::Rejected {
            code: code.to_owned(),
            message: text.to_owned(),
        }),
    }
}

/// SW's code and text of an error message: `307. El comprobante ...` or
/// `CFDI40145 - El campo ...`.
fn split_code(message: &str) -> (&str, &str) {
    let message = message.trim();
    let end = message
        .find(|c: char| c == '.' || c.is_whitespace())
        .unwrap_or(message.len());
    let text =
        message[end..].trim_start_matches(|c: char| c == '.' || c == '-' || c.is_whitespace());
    (&message[..end], text)
}

#[cfg(test)]
mod tests {
    use super::split_code;

    #[test]
    fn sw_s_code_comes_first_in_its_message() {
        assert_eq!(
            split_code("307. El comprobante contiene un timbre previo."),
            ("307", "El comprobante contiene un timbre previo.")
        );
        assert_eq!(
            split_code("CFDI40145 - El campo Nombre del receptor no pertenece al RFC."),
            (
                "CFDI40145",
                "El campo Nombre del receptor no pertenece al RFC."
            )
        );
        assert_eq!(split_code(""), ("", ""));
    }
}
