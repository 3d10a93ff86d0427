//! The [`SatStatusService`] port on SAT's own CFDI status service
//! (`ConsultaCFDIService.svc`, SOAP 1.1, action
//! `http://tempuri.org/IConsultaCFDIService/Consulta`; SAT runs it at
//! `https://consultaqr.facturaelectronica.sat.gob.mx/ConsultaCFDIService.svc`).
//! It is asked by the expression SAT prints in a CFDI's QR code
//! (`?re=&rr=&tt=&id=&fe=`) and answers `Estado` (Vigente, Cancelado, No
//! Encontrado) and `EstatusCancelacion` (En proceso, Solicitud rechazada,
//! Cancelado sin/con aceptación, Plazo vencido).

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use folio_commands::stamping::{SatCfdiStatus, SatStatusError, SatStatusService};
use folio_documents::cfdi::stamp::SatVerification;
use quick_xml::events::Event;
use quick_xml::Reader;

/// How long one question to SAT may take.
const STATUS_TIMEOUT: Duration = Duration::from_secs(30);

/// SAT's production status service.
pub const SAT_STATUS_URL: &str =
    "https://consultaqr.facturaelectronica.sat.gob.mx/ConsultaCFDIService.svc";

/// SAT's status service at one address.
#[derive(Debug, Clone)]
pub struct SatConsultaService {
    client: reqwest::Client,
    url: String,
}

impl SatConsultaService {
    /// The service at `url`.
    pub fn new(url: &str) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(STATUS_TIMEOUT)
            .user_agent(concat!("Folio/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(SatConsultaService {
            client,
            url: url.to_owned(),
        })
    }
}

/// The SOAP envelope asking for `query`'s CFDI.
fn envelope(query: &SatVerification) -> String {
    // RFCs and totals are [A-Z0-9&Ñ.]; `&` (an RFC may hold one) is escaped
    // for the URL and the CDATA keeps the XML well-formed.
    let escape = |text: &str| text.replace('&', "%26");
    format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:tem=\"http://tempuri.org/\"><soapenv:Header/><soapenv:Body><tem:Consulta>\
         <tem:expresionImpresa><![CDATA[?re={}&rr={}&tt={}&id={}&fe={}]]></tem:expresionImpresa>\
         </tem:Consulta></soapenv:Body></soapenv:Envelope>",
        escape(&query.issuer_rfc),
        escape(&query.receiver_rfc),
        query.total,
        query.uuid.to_string().to_uppercase(),
        query.seal_tail,
    )
}

#[async_trait]
impl SatStatusService for SatConsultaService {
    async fn status(&self, query: &SatVerification) -> Result<SatCfdiStatus, SatStatusError> {
        let response = self
            .client
            .post(&self.url)
            .header("content-type", "text/xml; charset=utf-8")
            .header(
                "soapaction",
                "http://tempuri.org/IConsultaCFDIService/Consulta",
            )
            .body(envelope(query))
            .send()
            .await
            .map_err(|e| SatStatusError::Unavailable(e.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(SatStatusError::Unavailable(format!(
                "SAT answered {status}"
            )));
        }
        let body = response
            .text()
            .await
            .map_err(|e| SatStatusError::Unavailable(e.to_string()))?;
        read_status(&body)
    }
}

/// What SAT's answer says.
fn read_status(body: &str) -> Result<SatCfdiStatus, SatStatusError> {
    let texts = texts(body).map_err(SatStatusError::Protocol)?;
    let text = |name: &str| texts.get(name).map(|t| t.trim()).unwrap_or_default();
    match text("Estado") {
        "Vigente" => Ok(SatCfdiStatus::Valid {
            cancellation: Some(text("EstatusCancelacion"))
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
        }),
        "Cancelado" => Ok(SatCfdiStatus::Cancelled),
        "No Encontrado" => Ok(SatCfdiStatus::NotFound),
        other => Err(SatStatusError::Protocol(format!(
            "an Estado Folio does not know: '{other}' ({})",
            text("CodigoEstatus")
        ))),
    }
}

/// The text of each element of `xml`, by local name (the last one wins).
fn texts(xml: &str) -> Result<HashMap<String, String>, String> {
    let mut reader = Reader::from_str(xml);
    let mut texts = HashMap::new();
    let mut open: Option<String> = None;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(start) => {
                let name = start.local_name();
                open = Some(String::from_utf8_lossy(name.as_ref()).into_owned());
            }
            Event::Text(text) => {
                if let Some(name) = open.take() {
                    let text = text.decode().map_err(|e| e.to_string())?;
                    texts.insert(name, text.into_owned());
                }
            }
            Event::End(_) => open = None,
            Event::Eof => return Ok(texts),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(estado: &str, cancelacion: &str) -> String {
        format!(
            "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
             <ConsultaResponse xmlns=\"http://tempuri.org/\"><ConsultaResult \
             xmlns:a=\"http://schemas.datacontract.org/2004/07/Sat.Cfdi.Negocio.ConsultaCfdi.Servicio\">\
             <a:CodigoEstatus>S - Comprobante obtenido satisfactoriamente.</a:CodigoEstatus>\
             <a:EsCancelable>Cancelable con aceptación</a:EsCancelable><a:Estado>{estado}</a:Estado>\
             <a:EstatusCancelacion>{cancelacion}</a:EstatusCancelacion></ConsultaResult>\
             </ConsultaResponse></s:Body></s:Envelope>"
        )
    }

    #[test]
    fn sat_s_answer_says_whether_the_cfdi_is_valid_cancelled_or_unknown() {
        assert_eq!(
            read_status(&answer("Vigente", "")).ok(),
            Some(SatCfdiStatus::Valid { cancellation: None })
        );
        assert_eq!(
            read_status(&answer("Vigente", "En proceso")).ok(),
            Some(SatCfdiStatus::Valid {
                cancellation: Some("En proceso".into())
            })
        );
        assert_eq!(
            read_status(&answer("Cancelado", "Cancelado sin aceptación")).ok(),
            Some(SatCfdiStatus::Cancelled)
        );
        assert_eq!(
            read_status(&answer("No Encontrado", "")).ok(),
            Some(SatCfdiStatus::NotFound)
        );
        assert!(read_status(&answer("Quizás", "")).is_err());
        assert!(read_status("not xml <").is_err());
    }
}
