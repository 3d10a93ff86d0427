//! A small writer of indented XML into memory: elements open and close in the
//! order the schema's sequences demand, and every text and attribute value is
//! escaped (by quick-xml's escaping). Writing into a `String` cannot fail, so
//! the writers built on it return their bytes, not a `Result`.

use quick_xml::escape::escape;

/// XML being written.
#[derive(Debug)]
pub(crate) struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    /// A document that starts with the UTF-8 XML declaration.
    pub(crate) fn new() -> Self {
        Xml {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            depth: 0,
        }
    }

    fn start_tag(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.out.push_str(&"  ".repeat(self.depth));
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attributes {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            self.out.push_str(&escape(*value));
            self.out.push('"');
        }
        self.out.push('>');
    }

    /// Opens an element that holds elements.
    pub(crate) fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.start_tag(name, attributes);
        self.out.push('\n');
        self.depth += 1;
    }

    /// Closes the element opened last.
    pub(crate) fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.out.push_str(&"  ".repeat(self.depth));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// An element with attributes and no content (`<name a="v"/>`).
    pub(crate) fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.start_tag(name, attributes);
        self.out.insert(self.out.len() - 1, '/');
        self.out.push('\n');
    }

    /// An element holding text, with attributes.
    pub(crate) fn text_with(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.start_tag(name, attributes);
        self.out.push_str(&escape(text));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// An element holding text.
    pub(crate) fn text(&mut self, name: &str, text: &str) {
        self.text_with(name, &[], text);
    }

    /// An element holding text, when there is text.
    pub(crate) fn text_opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.text(name, text);
        }
    }

    /// The document's bytes (UTF-8).
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.out.into_bytes()
    }
}
