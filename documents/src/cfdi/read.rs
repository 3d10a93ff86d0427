//! A CFDI read back as its elements, in document order, each with its path
//! from the root (`Comprobante/Conceptos/Concepto`, prefixes dropped) and its
//! attributes: what a printed representation shows is read from the stamped
//! XML itself, the fiscal document, never rebuilt beside it.

use std::collections::BTreeMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// The CFDI is not well-formed XML (the parser's words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the CFDI is not well-formed XML: {0}")]
pub struct MalformedXml(pub String);

/// One element of a CFDI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CfdiElement {
    /// Its name as written, prefix and all (`cfdi:Comprobante`).
    pub name: String,
    /// Its path from the root, local names joined by `/`.
    pub path: String,
    /// Its attributes by local name.
    pub attributes: BTreeMap<String, String>,
}

impl CfdiElement {
    /// The value of attribute `name`, empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.attributes.get(name).map_or("", String::as_str)
    }
}

/// The elements of the CFDI `xml`, in document order.
pub fn read_elements(xml: &[u8]) -> Result<Vec<CfdiElement>, MalformedXml> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut elements = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(element)) => {
                path.push(local_name(&element));
                elements.push(element_at(&path, &element)?);
            }
            Ok(Event::Empty(element)) => {
                path.push(local_name(&element));
                elements.push(element_at(&path, &element)?);
                path.pop();
            }
            Ok(Event::End(_)) => {
                path.pop();
            }
            Ok(Event::Eof) => return Ok(elements),
            Ok(_) => {}
            Err(error) => return Err(MalformedXml(error.to_string())),
        }
        buf.clear();
    }
}

fn local_name(element: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(element.local_name().as_ref()).into_owned()
}

fn element_at(path: &[String], element: &BytesStart<'_>) -> Result<CfdiElement, MalformedXml> {
    let mut attributes = BTreeMap::new();
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|e| MalformedXml(e.to_string()))?;
        let value = attribute
            .unescape_value()
            .map_err(|e| MalformedXml(e.to_string()))?;
        let name = String::from_utf8_lossy(attribute.key.local_name().as_ref()).into_owned();
        attributes.insert(name, value.into_owned());
    }
    Ok(CfdiElement {
        name: String::from_utf8_lossy(element.name().as_ref()).into_owned(),
        path: path.join("/"),
        attributes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_element_is_read_with_its_path_and_attributes() {
        let xml = br#"<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" Total="1160.00"><cfdi:Conceptos><cfdi:Concepto Descripcion="Caf&#233;"><cfdi:Impuestos><cfdi:Traslados><cfdi:Traslado Importe="160.00"/></cfdi:Traslados></cfdi:Impuestos></cfdi:Concepto></cfdi:Conceptos><cfdi:Impuestos TotalImpuestosTrasladados="160.00"/></cfdi:Comprobante>"#;
        let elements = read_elements(xml).unwrap();
        let paths: Vec<&str> = elements.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "Comprobante",
                "Comprobante/Conceptos",
                "Comprobante/Conceptos/Concepto",
                "Comprobante/Conceptos/Concepto/Impuestos",
                "Comprobante/Conceptos/Concepto/Impuestos/Traslados",
                "Comprobante/Conceptos/Concepto/Impuestos/Traslados/Traslado",
                "Comprobante/Impuestos",
            ]
        );
        assert_eq!(elements[0].name, "cfdi:Comprobante");
        assert_eq!(elements[0].get("Total"), "1160.00");
        assert_eq!(elements[2].get("Descripcion"), "Café");
        assert_eq!(elements[2].get("Missing"), "");
    }
}
