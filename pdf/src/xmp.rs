//! Factur-X readers find the embedded XML through the PDF's XMP metadata: the
//! `fx` extension schema (document type, file name, version, conformance
//! level), declared in the PDF/A extension schemas. Typst writes its own XMP
//! without it, so it is added afterwards by rewriting the catalog's
//! `/Metadata` stream (lopdf); the rest of the PDF is kept as Typst wrote it.

use lopdf::{Document as Pdf, Object};

use crate::PdfError;

/// The Factur-X namespace of the XMP properties.
const FX: &str = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#";

/// `pdf` with the Factur-X extension schema and properties in its XMP
/// metadata: an EN 16931 invoice (or credit note: Factur-X calls both
/// `INVOICE`) whose XML is `factur-x.xml`.
pub(crate) fn declare_factur_x(pdf: &[u8]) -> Result<Vec<u8>, PdfError> {
    let broken = |e: lopdf::Error| PdfError::Metadata(e.to_string());
    let mut document = Pdf::load_mem(pdf).map_err(broken)?;
    let metadata = document
        .catalog()
        .and_then(|catalog| catalog.get(b"Metadata"))
        .and_then(Object::as_reference)
        .map_err(broken)?;
    let stream = document
        .get_object_mut(metadata)
        .and_then(Object::as_stream_mut)
        .map_err(broken)?;
    let xmp = if stream.dict.has(b"Filter") {
        stream.decompressed_content().map_err(broken)?
    } else {
        stream.content.clone()
    };
    let xmp = String::from_utf8(xmp).map_err(|e| PdfError::Metadata(e.to_string()))?;
    stream.set_plain_content(with_factur_x(&xmp)?.into_bytes());
    let mut out = Vec::new();
    document
        .save_to(&mut out)
        .map_err(|e| PdfError::Metadata(e.to_string()))?;
    Ok(out)
}

/// Typst's XMP with the `fx` schema added to its extension schemas and the
/// `fx` properties added as their own description.
fn with_factur_x(xmp: &str) -> Result<String, PdfError> {
    let schemas_end = "</rdf:Bag></pdfaExtension:schemas>";
    let rdf_end = "</rdf:RDF>";
    if !xmp.contains(schemas_end) || !xmp.contains(rdf_end) {
        return Err(PdfError::Metadata(
            "the PDF's XMP declares no PDF/A extension schemas".to_owned(),
        ));
    }
    let property = |name: &str, description: &str| {
        format!(
            "<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>{name}</pdfaProperty:name>\
             <pdfaProperty:valueType>Text</pdfaProperty:valueType>\
             <pdfaProperty:category>external</pdfaProperty:category>\
             <pdfaProperty:description>{description}</pdfaProperty:description></rdf:li>"
        )
    };
    let schema = format!(
        "<rdf:li rdf:parseType=\"Resource\">\
         <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>\
         <pdfaSchema:namespaceURI>{FX}</pdfaSchema:namespaceURI>\
         <pdfaSchema:prefix>fx</pdfaSchema:prefix>\
         <pdfaSchema:property><rdf:Seq>{}{}{}{}</rdf:Seq></pdfaSchema:property></rdf:li>",
        property("DocumentFileName", "The name of the embedded XML document"),
        property(
            "DocumentType",
            "The type of the hybrid document in capital letters"
        ),
        property(
            "Version",
            "The version of the standard applying to the embedded XML document"
        ),
        property(
            "ConformanceLevel",
            "The conformance level of the embedded XML document"
        ),
    );
    let properties = format!(
        "<rdf:Description rdf:about=\"\" xmlns:fx=\"{FX}\">\
         <fx:DocumentType>INVOICE</fx:DocumentType>\
         <fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>\
         <fx:Version>1.0</fx:Version>\
         <fx:ConformanceLevel>EN 16931</fx:ConformanceLevel></rdf:Description>"
    );
    Ok(xmp
        .replacen(schemas_end, &format!("{schema}{schemas_end}"), 1)
        .replacen(rdf_end, &format!("{properties}{rdf_end}"), 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_without_extension_schemas_is_refused() {
        assert!(matches!(
            with_factur_x("<rdf:RDF></rdf:RDF>"),
            Err(PdfError::Metadata(_))
        ));
    }
}
