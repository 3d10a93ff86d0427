//! The architecture documentation stays true: the rendered diagram is of its
//! committed source (`scripts/diagrams` records the source's SHA-256 it rendered),
//! and every command, event, table, mutation and function the diagrams name is
//! found in the code, so a reviewer can follow each arrow to what implements it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn architecture(name: &str) -> PathBuf {
    root().join("docs/architecture").join(name)
}

#[test]
fn the_rendered_diagram_is_of_its_source() {
    let source = std::fs::read(architecture("high-level-diagram.dot")).unwrap();
    let digest: String = Sha256::digest(&source)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let rendered_from =
        std::fs::read_to_string(architecture("high-level-diagram.rendered-from")).unwrap();
    assert_eq!(
        rendered_from.trim(),
        digest,
        "high-level-diagram.dot changed since it was rendered: run scripts/diagrams"
    );
    let png = std::fs::read(architecture("high-level-diagram.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let svg = std::fs::read_to_string(architecture("high-level-diagram.svg")).unwrap();
    assert!(svg.contains("<svg"), "not an SVG");
    assert!(
        svg.contains("Folio: high&#45;level architecture"),
        "another diagram"
    );
}

/// The text the diagrams draw: the Mermaid blocks of the architecture
/// README and the labels of the Graphviz source.
fn diagram_text() -> String {
    let readme = std::fs::read_to_string(architecture("README.md")).unwrap();
    let mut text = String::new();
    let mut in_mermaid = false;
    for line in readme.lines() {
        match line.trim() {
            "```mermaid" => in_mermaid = true,
            "```" => in_mermaid = false,
            "sequenceDiagram" => {}
            _ if in_mermaid => {
                text.push_str(line);
                text.push('\n');
            }
            _ => {}
        }
    }
    assert!(text.lines().count() > 60, "the sequence diagrams are gone");
    let dot = std::fs::read_to_string(architecture("high-level-diagram.dot")).unwrap();
    for line in dot.lines().filter(|l| l.contains("label=")) {
        // A label's line breaks are written `\n`.
        text.push_str(&line.replace("\\n", " "));
        text.push('\n');
    }
    text
}

/// Names that only code has: `snake_case` with an underscore (tables,
/// functions), `CamelCase` of two words or more (commands, events, types)
/// and `camelCase` (GraphQL mutations).
fn code_names(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| {
            let humps = word
                .chars()
                .skip(1)
                .filter(char::is_ascii_uppercase)
                .count();
            let first_lower = word.starts_with(|c: char| c.is_ascii_lowercase());
            let snake = first_lower && word.contains('_') && !word.ends_with('_');
            let camel = humps >= 1 && !word.contains('_') && word.len() > 4;
            snake || camel
        })
        .map(str::to_owned)
        .collect()
}

/// Every source file of the workspace (Rust, SQL, the GraphQL schema, the
/// scripts), outside the documentation and the build output.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(name.as_str(), "docs" | "target" | ".git" | "node_modules") {
                sources(&path, found);
            }
        } else {
            let code = [".rs", ".sql", ".graphql"]
                .iter()
                .any(|e| name.ends_with(e));
            let script = path.parent().is_some_and(|p| p.ends_with("scripts"));
            if code || script {
                found.push(path);
            }
        }
    }
}

#[test]
fn every_name_in_the_diagrams_is_in_the_code() {
    let names = code_names(&diagram_text());
    assert!(names.len() > 40, "{names:?}");
    let mut files = Vec::new();
    sources(root(), &mut files);
    let code: String = files
        .iter()
        .filter(|path| !path.ends_with("tests/architecture.rs"))
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .collect();
    let missing: Vec<&String> = names
        .iter()
        .filter(|name| !code.contains(name.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "named in docs/architecture but not in the code: {missing:?}"
    );
}
