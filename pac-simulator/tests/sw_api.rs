//! The PAC simulator driven over HTTP as SW Sapien's clients drive SW: a CFDI
//! sealed by Folio's writer is stamped, and the stamp is checked with SAT's
//! tools only (the stamped CFDI against SAT's `cfdv40.xsd` and
//! `TimbreFiscalDigitalv11.xsd` with `xmllint`, the stamp's cadena with SAT's
//! `cadenaoriginal_TFD_1_1.xslt`, its seal with `openssl` and the
//! simulator's certificate); duplicates, lost answers and bad requests get
//! SW's codes. Stamps are cancelled as SAT decides (at once within the window,
//! or by the receiver's answer), with SAT's codes for what it refuses, and
//! SAT's status service says where each folio stands.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "../../documents/tests/scenario/mod.rs"]
mod scenario;
#[path = "../../documents/tests/tools/mod.rs"]
mod tools;

use std::path::Path;
use std::process::Command;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use folio_documents::cfdi::payment::{ComplementNumber, PaymentReceived};
use folio_documents::cfdi::{seal_invoice, seal_payment};
use folio_domain::tax::TaxTreatment;
use folio_pac_simulator::SimulatorConfig;
use rust_decimal_macros::dec;
use scenario::{keyed, mexican_customer, sat_tax, Scenario};
use serde_json::Value;
use tools::{run, sat_files, sat_test_csd, scratch, written};

/// A Mexican invoice sealed at `at` with SAT's test CSD.
fn sealed_at(at: DateTime<Utc>) -> String {
    sealed_to("ESCUELA KEMPER URGATE", at)
}

/// Two days of consulting at IVA 16%, issued in Mexico to SAT's test
/// taxpayer.
fn consulting() -> Scenario {
    Scenario::draft("MXN", mexican_customer())
        .line(keyed(
            "Consultoría fiscal",
            dec!(2),
            dec!(1500),
            vec![sat_tax("IVA", dec!(16), TaxTreatment::Standard)],
            ("84111506", "E48"),
        ))
        .issue_in_mexico()
}

/// A Mexican invoice to a receiver named `receiver` (SAT's test taxpayer
/// EKU9003173C9), sealed at `at` with SAT's test CSD.
fn sealed_to(receiver: &str, at: DateTime<Utc>) -> String {
    let csd = sat_test_csd();
    let record = consulting().record();
    let sealed = seal_invoice(&record, receiver, at, &csd).unwrap();
    String::from_utf8(sealed.xml).unwrap()
}

/// The payment complement of half of a stamped invoice, sealed at `at`
/// with SAT's test CSD.
fn payment_sealed_at(at: DateTime<Utc>) -> String {
    let record = consulting()
        .stamped("9FB6ED1A-5F37-4FEF-980A-7F8C83B51894")
        .record();
    let owed = record.issued.as_ref().unwrap().totals.total;
    let paid = PaymentReceived {
        received_at: at.naive_utc(),
        payment_form: "03".into(),
        amount: (owed / dec!(2)).round_dp(2),
        installment: 1,
        balance_before: owed,
    };
    let number = ComplementNumber {
        serie: "P".into(),
        folio: "1".into(),
    };
    let receiver = ("ESCUELA KEMPER URGATE", &number);
    let sealed = seal_payment(&record, &paid, receiver, at, &sat_test_csd()).unwrap();
    String::from_utf8(sealed.xml).unwrap()
}

/// A simulator on a port of its own; its base URL.
async fn simulator(lose_answers: usize) -> String {
    let config =
        SimulatorConfig::new("folio".into(), "secret".into(), sat_files(), lose_answers).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(folio_pac_simulator::serve(listener, config));
    url
}

async fn token(url: &str, password: &str) -> (reqwest::StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{url}/security/authenticate"))
        .header("user", "folio")
        .header("password", password)
        .send()
        .await
        .unwrap();
    (
        response.status(),
        response.json().await.unwrap_or(Value::Null),
    )
}

/// Posts `xml` as SW's multipart field `xml`; the status and the JSON body
/// (null when not JSON).
async fn stamp(url: &str, token: &str, xml: &str) -> (reqwest::StatusCode, Value) {
    let boundary = "folio-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"xml\"; filename=\"xml\"\r\n\
         Content-Type: text/xml\r\n\r\n{xml}\r\n--{boundary}--\r\n"
    );
    let response = reqwest::Client::new()
        .post(format!("{url}/v4/cfdi33/stamp/v4"))
        .header("authorization", format!("bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    (
        response.status(),
        response.json().await.unwrap_or(Value::Null),
    )
}

async fn signed_in(url: &str) -> String {
    let (status, body) = token(url, "secret").await;
    assert!(status.is_success(), "{body}");
    body["data"]["token"].as_str().unwrap().to_owned()
}

/// The value of attribute `name` in `element`.
fn attribute(element: &str, name: &str) -> String {
    let start = element.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    element[start..start + element[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_sealed_cfdi_is_stamped_with_a_stamp_sats_tools_accept() {
    let url = simulator(0).await;
    let token = signed_in(&url).await;
    let sealed = sealed_at(Utc::now());
    let (status, body) = stamp(&url, &token, &sealed).await;
    assert!(status.is_success(), "{body}");
    let data = &body["data"];
    let cfdi = data["cfdi"].as_str().unwrap();
    let dir = scratch("pac-simulator");
    let sat = sat_files();

    // The stamped CFDI against SAT's schemas, the TFD's included.
    let both = format!(
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\
         <xs:import namespace=\"http://www.sat.gob.mx/cfd/4\" schemaLocation=\"{}\"/>\
         <xs:import namespace=\"http://www.sat.gob.mx/TimbreFiscalDigital\" schemaLocation=\"{}\"/>\
         </xs:schema>",
        sat.join("4/cfdv40.xsd").display(),
        sat.join("TimbreFiscalDigital/TimbreFiscalDigitalv11.xsd")
            .display()
    );
    let schema = written(&dir, "both.xsd", both.as_bytes());
    let stamped = written(&dir, "stamped.xml", cfdi.as_bytes());
    run(Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&schema)
        .arg(&stamped));

    // The stamp's cadena as SAT's XSLT makes it, and its seal by openssl.
    let start = cfdi.find("<tfd:TimbreFiscalDigital").unwrap();
    let element = &cfdi[start..start + cfdi[start..].find("/>").unwrap() + 2];
    let tfd = written(&dir, "tfd.xml", element.as_bytes());
    let xslt = sat.join("TimbreFiscalDigital/cadenaoriginal_TFD_1_1.xslt");
    let cadena = run(Command::new("xsltproc").arg(&xslt).arg(&tfd));
    assert_eq!(cadena, data["cadenaOriginalSAT"].as_str().unwrap());
    let engine = base64::engine::general_purpose::STANDARD;
    let signature = engine.decode(attribute(element, "SelloSAT")).unwrap();
    let signature = written(&dir, "sello-sat.bin", &signature);
    let cadena = written(&dir, "cadena.txt", cadena.as_bytes());
    let certificate =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/pac-simulator/pac-simulator.cer");
    let public_key = run(Command::new("openssl")
        .args(["x509", "-inform", "DER", "-pubkey", "-noout", "-in"])
        .arg(&certificate));
    let public_key = written(&dir, "pac.pem", public_key.as_bytes());
    let verdict = run(Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(&public_key)
        .arg("-signature")
        .arg(&signature)
        .arg(&cadena));
    assert_eq!(verdict.trim(), "Verified OK");

    // The stamp covers the CFDI's own seal and names the simulator.
    assert_eq!(attribute(element, "SelloCFD"), attribute(&sealed, "Sello"));
    assert_eq!(attribute(element, "RfcProvCertif"), "SIM201207PA1");
    assert_eq!(
        attribute(element, "NoCertificadoSAT"),
        "99999000000000000001"
    );
    assert_eq!(
        attribute(element, "UUID").to_lowercase(),
        data["uuid"].as_str().unwrap()
    );
}

#[tokio::test]
async fn a_payment_complement_is_stamped_once_its_payments_pass_sats_schema() {
    let url = simulator(0).await;
    let token = signed_in(&url).await;
    let (status, body) = stamp(&url, &token, &payment_sealed_at(Utc::now())).await;
    assert!(status.is_success(), "{body}");
    let cfdi = body["data"]["cfdi"].as_str().unwrap();
    // One Complemento: the payments, then the stamp; SAT's schemas accept it.
    assert_eq!(cfdi.matches("<cfdi:Complemento>").count(), 1, "{cfdi}");
    let pagos = cfdi.find("<pago20:Pagos").unwrap();
    assert!(
        pagos < cfdi.find("<tfd:TimbreFiscalDigital").unwrap(),
        "{cfdi}"
    );
    let sat = sat_files();
    let imports: String = [
        ("http://www.sat.gob.mx/cfd/4", "4/cfdv40.xsd"),
        ("http://www.sat.gob.mx/Pagos20", "Pagos/Pagos20.xsd"),
        (
            "http://www.sat.gob.mx/TimbreFiscalDigital",
            "TimbreFiscalDigital/TimbreFiscalDigitalv11.xsd",
        ),
    ]
    .iter()
    .map(|(namespace, file)| {
        let location = sat.join(file);
        format!(
            "<xs:import namespace=\"{namespace}\" schemaLocation=\"{}\"/>",
            location.display()
        )
    })
    .collect();
    let dir = scratch("pac-pagos");
    let schema =
        format!("<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">{imports}</xs:schema>");
    let schema = written(&dir, "all.xsd", schema.as_bytes());
    let stamped = written(&dir, "stamped.xml", cfdi.as_bytes());
    run(Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&schema)
        .arg(&stamped));

    // A complement SAT's Pagos schema refuses is not stamped.
    let earlier = Utc::now() - Duration::minutes(1);
    let broken = payment_sealed_at(earlier).replace("ObjetoImpDR=\"02\"", "ObjetoImpDR=\"09\"");
    let (status, body) = stamp(&url, &token, &broken).await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "301", "{body}");
}

#[tokio::test]
async fn the_same_cfdi_again_gets_307_with_its_first_stamp() {
    let url = simulator(0).await;
    let token = signed_in(&url).await;
    let sealed = sealed_at(Utc::now());
    let (_, first) = stamp(&url, &token, &sealed).await;
    let (status, again) = stamp(&url, &token, &sealed).await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
    assert_eq!(
        again["message"],
        "307. El comprobante contiene un timbre previo."
    );
    assert_eq!(again["data"]["uuid"], first["data"]["uuid"]);
    assert_eq!(again["data"]["cfdi"], first["data"]["cfdi"]);
}

#[tokio::test]
async fn a_lost_answer_leaves_a_stamp_that_the_retry_gets() {
    let url = simulator(1).await;
    let token = signed_in(&url).await;
    let sealed = sealed_at(Utc::now());
    let (status, _) = stamp(&url, &token, &sealed).await;
    assert_eq!(status, reqwest::StatusCode::BAD_GATEWAY);
    let (status, retry) = stamp(&url, &token, &sealed).await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
    assert!(
        retry["message"].as_str().unwrap().starts_with("307."),
        "{retry}"
    );
    assert!(retry["data"]["cfdi"]
        .as_str()
        .unwrap()
        .contains("TimbreFiscalDigital"));
}

/// The code SW's error message starts with.
fn code(body: &Value) -> String {
    let message = body["message"].as_str().unwrap_or_default();
    message
        .split(['.', ' '])
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn bad_credentials_a_bad_seal_and_a_stale_cfdi_get_sws_codes() {
    let url = simulator(0).await;
    let (status, body) = token(&url, "wrong").await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "AU4101");
    let sealed = sealed_at(Utc::now());
    let (status, body) = stamp(&url, "not-a-token", &sealed).await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "AU2000");

    let token = signed_in(&url).await;
    let total = attribute(&sealed, "Total");
    let altered = sealed.replacen(&format!("Total=\"{total}\""), "Total=\"1.00\"", 1);
    let (status, body) = stamp(&url, &token, &altered).await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "302", "{body}");

    let stale = sealed_at(Utc::now() - Duration::hours(73));
    let (_, body) = stamp(&url, &token, &stale).await;
    assert_eq!(code(&body), "401", "{body}");

    let (_, body) = stamp(&url, &token, "<factura/>").await;
    assert_eq!(code(&body), "301", "{body}");
    let unschematic = sealed.replacen("Exportacion=\"01\"", "Exportacion=\"99\"", 1);
    let (_, body) = stamp(&url, &token, &unschematic).await;
    assert_eq!(code(&body), "301", "{body}");
}

#[tokio::test]
async fn a_receiver_named_otherwise_than_sat_registers_it_is_refused() {
    let url = simulator(0).await;
    let token = signed_in(&url).await;
    let misnamed = sealed_to("ESCUELA KEMPER URGATE SA DE CV", Utc::now());
    let (status, body) = stamp(&url, &token, &misnamed).await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "CFDI40145", "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .starts_with("CFDI40145 - El campo Nombre del receptor"));
}

/// A simulator on a port of its own that cancels without the receiver's
/// acceptance only within `acceptance_free` of a stamp; its base URL.
async fn simulator_cancelling(acceptance_free: Duration) -> String {
    let mut config = SimulatorConfig::new("folio".into(), "secret".into(), sat_files(), 0).unwrap();
    config.acceptance_free = acceptance_free;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(folio_pac_simulator::serve(listener, config));
    url
}

/// The fiscal folio of a stamp, from `url`, of an invoice sealed at
/// `sealed_at`: two sealed in the same second are the same CFDI (307).
async fn stamped_folio(url: &str, token: &str, sealed_at: DateTime<Utc>) -> String {
    let (status, body) = stamp(url, token, &self::sealed_at(sealed_at)).await;
    assert!(status.is_success(), "{body}");
    body["data"]["uuid"].as_str().unwrap().to_uppercase()
}

/// Asks `url` to cancel `uuid` for `rfc` with SAT's test CSD, as SW's
/// clients do; the status and the JSON body.
async fn cancel(
    url: &str,
    token: &str,
    (uuid, rfc): (&str, &str),
    (motivo, replacement): (&str, Option<&str>),
) -> (reqwest::StatusCode, Value) {
    let engine = base64::engine::general_purpose::STANDARD;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sat-test-csd");
    let file = |name: &str| engine.encode(std::fs::read(fixtures.join(name)).unwrap());
    let mut request = serde_json::json!({
        "uuid": uuid, "rfc": rfc, "password": "12345678a", "motivo": motivo,
        "b64Cer": file("emisor2021.cer"), "b64Key": file("emisor2021.key"),
    });
    if let Some(replacement) = replacement {
        request["folioSustitucion"] = replacement.into();
    }
    let response = reqwest::Client::new()
        .post(format!("{url}/cfdi33/cancel/csd"))
        .header("authorization", format!("bearer {token}"))
        .json(&request)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

/// SAT's status service asked for `uuid` (of the scenario's invoice: issuer
/// AAA010101AAA, receiver EKU9003173C9, total 3480.00): `Estado` and
/// `EstatusCancelacion`.
async fn sat_status(url: &str, uuid: &str) -> (String, String) {
    let envelope = format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:tem=\"http://tempuri.org/\"><soapenv:Body><tem:Consulta><tem:expresionImpresa>\
         <![CDATA[?re=AAA010101AAA&rr=EKU9003173C9&tt=3480.00&id={uuid}]]>\
         </tem:expresionImpresa></tem:Consulta></soapenv:Body></soapenv:Envelope>"
    );
    let answer = reqwest::Client::new()
        .post(format!("{url}/ConsultaCFDIService.svc"))
        .header(
            "soapaction",
            "http://tempuri.org/IConsultaCFDIService/Consulta",
        )
        .body(envelope)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let text = |name: &str| {
        let open = format!("<a:{name}>");
        answer
            .find(&open)
            .map(|start| {
                let rest = &answer[start + open.len()..];
                rest[..rest.find('<').unwrap()].to_owned()
            })
            .unwrap_or_default()
    };
    (text("Estado"), text("EstatusCancelacion"))
}

#[tokio::test]
async fn a_fresh_stamp_is_cancelled_at_once_and_sat_s_status_service_says_so() {
    let url = simulator_cancelling(Duration::hours(24)).await;
    let token = signed_in(&url).await;
    let folio = stamped_folio(&url, &token, Utc::now()).await;
    assert_eq!(
        sat_status(&url, &folio).await,
        ("Vigente".into(), String::new())
    );

    let (status, body) = cancel(&url, &token, (&folio, "AAA010101AAA"), ("02", None)).await;
    assert!(status.is_success(), "{body}");
    assert_eq!(body["data"]["uuid"][&folio], "201");
    let acuse = body["data"]["acuse"].as_str().unwrap();
    assert!(acuse.contains(&format!("<UUID>{folio}</UUID>")), "{acuse}");
    assert_eq!(
        sat_status(&url, &folio).await,
        ("Cancelado".into(), "Cancelado sin aceptación".into())
    );
    // Asked again: cancelled before.
    let (_, again) = cancel(&url, &token, (&folio, "AAA010101AAA"), ("02", None)).await;
    assert_eq!(again["data"]["uuid"][&folio], "202");
}

#[tokio::test]
async fn past_the_window_the_receiver_refuses_or_accepts_the_cancellation() {
    let url = simulator_cancelling(Duration::zero()).await;
    let token = signed_in(&url).await;
    let folio = stamped_folio(&url, &token, Utc::now()).await;
    let receiver = |answer: &'static str| {
        let url = format!("{url}/simulator/receiver/{folio}/{answer}");
        async move {
            reqwest::Client::new()
                .post(url)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let asked = || cancel(&url, &token, (&folio, "AAA010101AAA"), ("03", None));

    assert!(asked().await.0.is_success());
    assert_eq!(
        sat_status(&url, &folio).await,
        ("Vigente".into(), "En proceso".into())
    );
    assert_eq!(receiver("reject").await, reqwest::StatusCode::NO_CONTENT);
    assert_eq!(
        sat_status(&url, &folio).await,
        ("Vigente".into(), "Solicitud rechazada".into())
    );
    assert!(asked().await.0.is_success());
    assert_eq!(receiver("accept").await, reqwest::StatusCode::NO_CONTENT);
    assert_eq!(
        sat_status(&url, &folio).await,
        ("Cancelado".into(), "Cancelado con aceptación".into())
    );
    assert_eq!(receiver("accept").await, reqwest::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cancellations_sat_refuses_get_its_codes() {
    let url = simulator_cancelling(Duration::hours(24)).await;
    let token = signed_in(&url).await;
    let folio = stamped_folio(&url, &token, Utc::now()).await;
    let earlier = Utc::now() - Duration::minutes(1);
    let replacement = stamped_folio(&url, &token, earlier).await;
    let unknown = uuid_text(7);
    let refused = [
        ((folio.as_str(), "AAA010101AAA"), ("01", None), "208"),
        (
            (folio.as_str(), "AAA010101AAA"),
            ("01", Some(unknown.as_str())),
            "208",
        ),
        (
            (folio.as_str(), "AAA010101AAA"),
            ("02", Some(replacement.as_str())),
            "209",
        ),
        ((folio.as_str(), "AAA010101AAA"), ("05", None), "207"),
        ((folio.as_str(), "EKU9003173C9"), ("02", None), "303"),
        ((unknown.as_str(), "AAA010101AAA"), ("02", None), "205"),
    ];
    for (folio_and_rfc, reason, expected) in refused {
        let (status, body) = cancel(&url, &token, folio_and_rfc, reason).await;
        assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(code(&body), expected, "{reason:?}: {body}");
    }
    assert_eq!(
        sat_status(&url, &folio).await,
        ("Vigente".into(), String::new())
    );
    let with_replacement = ("01", Some(replacement.as_str()));
    let (status, body) = cancel(&url, &token, (&folio, "AAA010101AAA"), with_replacement).await;
    assert!(status.is_success(), "{body}");
    let (status, _) = cancel(&url, "not-a-token", (&folio, "AAA010101AAA"), ("02", None)).await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
}

fn uuid_text(n: u128) -> String {
    uuid::Uuid::from_u128(n).to_string().to_uppercase()
}
