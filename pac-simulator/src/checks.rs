//! What a PAC checks before it stamps a CFDI, each refusal with the code SW
//! Sapien (and SAT's matrix of validations) gives it.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use base64::Engine;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use folio_documents::cfdi::csd::{certificate_number, holder_rfc};
use folio_documents::cfdi::read::{read_elements, CfdiElement, MalformedXml};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use sha2::Sha256;
use tokio::io::AsyncWriteExt;
use x509_cert::der::{Decode, Encode};
use x509_cert::Certificate;

/// The zone a CFDI's dates are read in.
pub(crate) const ZONE: chrono_tz::Tz = chrono_tz::America::Mexico_City;

/// How long after its `Fecha` a CFDI may be stamped.
const WINDOW_HOURS: i64 = 72;

/// Why a PAC does not stamp a CFDI: SW's code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The code, e.g. `302`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

impl Refusal {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            code,
            message: message.into(),
        }
    }
}

/// What the checks found in an acceptable CFDI.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    /// Its cadena original, as SAT's XSLT makes it.
    pub cadena: String,
    /// Its seal (`Sello`).
    pub sello: String,
    /// The issuer's certificate number (`NoCertificado`).
    pub no_certificado: String,
    /// The issuer's RFC.
    pub issuer_rfc: String,
    /// The receiver's RFC.
    pub receiver_rfc: String,
    /// The CFDI's `Total`, as written.
    pub total: String,
}

/// The parts of a CFDI the checks read: the root's, the issuer's and the
/// receiver's attributes (empty when absent: the schema says whether they
/// must be there), and whether a stamp is in it already.
#[derive(Debug)]
struct Parts {
    version: String,
    fecha: String,
    sello: String,
    certificado: String,
    no_certificado: String,
    issuer_rfc: String,
    receiver_rfc: String,
    receiver_name: String,
    receiver_postal_code: String,
    total: String,
    stamped: bool,
}

/// SAT's test taxpayers the simulator knows (`data/test-taxpayers.tsv`).
const TAXPAYERS: &str = include_str!("../data/test-taxpayers.tsv");

/// The name and postal code SAT registers for `rfc`, when the simulator
/// knows it.
fn registered(rfc: &str) -> Option<(&'static str, &'static str)> {
    TAXPAYERS
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| line.split('\t').collect::<Vec<_>>())
        .find(|fields| fields.first() == Some(&rfc))
        .and_then(|fields| Some((*fields.get(1)?, *fields.get(2)?)))
}

/// The receiver as SAT registers it (CFDI40145: the name; CFDI40147: the
/// postal code), for the taxpayers the simulator knows.
fn check_receiver(parts: &Parts) -> Result<(), Refusal> {
    let Some((name, postal_code)) = registered(&parts.receiver_rfc) else {
        return Ok(());
    };
    if parts.receiver_name != name {
        return Err(Refusal::new(
            "CFDI40145",
            "El campo Nombre del receptor, debe pertenecer al nombre asociado al RFC registrado en el campo Rfc del Receptor.",
        ));
    }
    if parts.receiver_postal_code != postal_code {
        return Err(Refusal::new(
            "CFDI40147",
            "El campo DomicilioFiscalReceptor del receptor, debe corresponder con el asociado al RFC registrado en el campo Rfc del Receptor.",
        ));
    }
    Ok(())
}

/// Checks `xml` as a PAC does at `now`, with SAT's files in `sat`.
pub(crate) async fn check(xml: &[u8], sat: &Path, now: DateTime<Utc>) -> Result<Checked, Refusal> {
    let parts = read_parts(xml)?;
    if parts.stamped {
        return Err(Refusal::new(
            "307",
            "El comprobante contiene un timbre previo.",
        ));
    }
    if parts.version != "4.0" {
        return Err(Refusal::new("301", "La versión del comprobante no es 4.0."));
    }
    let schema = schemas(sat)?;
    let args = ["--noout", "--schema", path_str(&schema)?, "-"];
    run_tool("xmllint", &args, xml)
        .await
        .map_err(|why| Refusal::new("301", format!("XML mal formado: {why}")))?;
    let xslt = sat.join("4/cadenaoriginal_4_0/cadenaoriginal_4_0.xslt");
    let cadena = run_tool("xsltproc", &[path_str(&xslt)?, "-"], xml)
        .await
        .map_err(|why| Refusal::new("301", format!("Sin cadena original: {why}")))?;
    let fecha = NaiveDateTime::parse_from_str(&parts.fecha, "%Y-%m-%dT%H:%M:%S")
        .map_err(|_| Refusal::new("301", "La fecha no es válida."))?;
    check_certificate(&parts, fecha, &cadena)?;
    check_window(fecha, now)?;
    check_receiver(&parts)?;
    Ok(Checked {
        cadena,
        sello: parts.sello,
        no_certificado: parts.no_certificado,
        issuer_rfc: parts.issuer_rfc,
        receiver_rfc: parts.receiver_rfc,
        total: parts.total,
    })
}

/// One schema importing SAT's CFDI 4.0 and the complements a CFDI of Folio
/// carries (Pagos 2.0), written once to the temporary directory under a name
/// of its content: `Complemento` admits any element a known schema declares,
/// so each complement's schema must be imported.
fn schemas(sat: &Path) -> Result<PathBuf, Refusal> {
    let unwritable = |e: std::io::Error| Refusal::new("301", format!("no schema: {e}"));
    let imports = [
        ("http://www.sat.gob.mx/cfd/4", sat.join("4/cfdv40.xsd")),
        (
            "http://www.sat.gob.mx/Pagos20",
            sat.join("Pagos/Pagos20.xsd"),
        ),
    ];
    let mut schema = String::from("<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">");
    for (namespace, location) in &imports {
        let location = path_str(location)?;
        schema.push_str(&format!(
            "<xs:import namespace=\"{namespace}\" schemaLocation=\"{location}\"/>"
        ));
    }
    schema.push_str("</xs:schema>");
    let digest = sha2::Digest::finalize(<Sha256 as sha2::Digest>::new_with_prefix(&schema));
    let tag: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let name = format!("folio-pac-simulator-{tag}.xsd");
    let path = std::env::temp_dir().join(name);
    if !path.exists() {
        let partial = path.with_extension(format!("{}.part", std::process::id()));
        std::fs::write(&partial, &schema).map_err(unwritable)?;
        std::fs::rename(&partial, &path).map_err(unwritable)?;
    }
    Ok(path)
}

fn path_str(path: &Path) -> Result<&str, Refusal> {
    path.to_str()
        .ok_or_else(|| Refusal::new("301", "SAT's files are not at a UTF-8 path"))
}

/// The root's, the issuer's and the receiver's attributes; 301 when it is
/// not XML or not a `cfdi:Comprobante`.
fn read_parts(xml: &[u8]) -> Result<Parts, Refusal> {
    let malformed = |why: String| Refusal::new("301", format!("XML mal formado: {why}"));
    let elements = read_elements(xml).map_err(|MalformedXml(why)| malformed(why))?;
    let root = match elements.first() {
        Some(root) if root.name == "cfdi:Comprobante" => root,
        Some(_) => return Err(malformed("the root is not cfdi:Comprobante".into())),
        None => return Err(malformed("no cfdi:Comprobante".into())),
    };
    let named = |name: &str| elements.iter().find(|element| element.name == name);
    let issuer = named("cfdi:Emisor");
    let receiver = named("cfdi:Receptor");
    let of = |element: Option<&CfdiElement>, attribute: &str| {
        element.map_or_else(String::new, |element| element.get(attribute).to_owned())
    };
    Ok(Parts {
        version: root.get("Version").to_owned(),
        fecha: root.get("Fecha").to_owned(),
        sello: root.get("Sello").to_owned(),
        certificado: root.get("Certificado").to_owned(),
        no_certificado: root.get("NoCertificado").to_owned(),
        issuer_rfc: of(issuer, "Rfc"),
        receiver_rfc: of(receiver, "Rfc"),
        receiver_name: of(receiver, "Nombre"),
        receiver_postal_code: of(receiver, "DomicilioFiscalReceptor"),
        total: root.get("Total").to_owned(),
        stamped: elements
            .iter()
            .any(|element| element.name.ends_with(":TimbreFiscalDigital")),
    })
}

/// Runs `program` with `args` and `input` on its standard input; its output,
/// or its complaint.
async fn run_tool(program: &str, args: &[&str], input: &[u8]) -> Result<String, String> {
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{program} does not run: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input)
            .await
            .map_err(|e| format!("{program}: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .await
        .map_err(|e| format!("{program}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let complaint = String::from_utf8_lossy(&out.stderr);
        Err(complaint.lines().next().unwrap_or_default().to_owned())
    }
}

/// The certificate in the CFDI: its number, its holder, in force at
/// `fecha`, and its key verifies the seal over `cadena`.
fn check_certificate(parts: &Parts, fecha: NaiveDateTime, cadena: &str) -> Result<(), Refusal> {
    let engine = base64::engine::general_purpose::STANDARD;
    let bad_certificate = || Refusal::new("303", "Sello no corresponde a emisor.");
    let der = engine
        .decode(&parts.certificado)
        .map_err(|_| bad_certificate())?;
    let certificate = Certificate::from_der(&der).map_err(|_| bad_certificate())?;
    let tbs = &certificate.tbs_certificate;
    if certificate_number(tbs).as_ref() != Some(&parts.no_certificado)
        || holder_rfc(tbs).as_ref() != Some(&parts.issuer_rfc)
    {
        return Err(bad_certificate());
    }
    let at = ZONE
        .from_local_datetime(&fecha)
        .earliest()
        .map(|local| local.with_timezone(&Utc))
        .ok_or_else(|| Refusal::new("301", "La fecha no existe en la zona del emisor."))?;
    let from = DateTime::<Utc>::from(tbs.validity.not_before.to_system_time());
    let until = DateTime::<Utc>::from(tbs.validity.not_after.to_system_time());
    if at < from || at > until {
        return Err(Refusal::new(
            "305",
            "La fecha de emisión no está dentro de la vigencia del CSD del Emisor.",
        ));
    }
    let spki = tbs
        .subject_public_key_info
        .to_der()
        .map_err(|_| bad_certificate())?;
    let key = RsaPublicKey::from_public_key_der(&spki).map_err(|_| bad_certificate())?;
    let bad_seal = || Refusal::new("302", "Sello mal formado o inválido.");
    let signature = engine.decode(&parts.sello).map_err(|_| bad_seal())?;
    let signature = Signature::try_from(signature.as_slice()).map_err(|_| bad_seal())?;
    VerifyingKey::<Sha256>::new(key)
        .verify(cadena.as_bytes(), &signature)
        .map_err(|_| bad_seal())
}

/// A CFDI is stamped within 72 hours of its `Fecha` (read in Mexico City's
/// time).
fn check_window(fecha: NaiveDateTime, now: DateTime<Utc>) -> Result<(), Refusal> {
    let local_now = now.with_timezone(&ZONE).naive_local();
    if local_now - fecha > chrono::Duration::hours(WINDOW_HOURS) {
        return Err(Refusal::new(
            "401",
            "El rango de la fecha de generación no debe de ser mayor a 72 horas para la emisión del timbre.",
        ));
    }
    Ok(())
}
