//! GraphiQL's page, served at `GET /graphql` when it is turned on (`--graphiql`;
//! on by default only with `--dev`). The page loads React and GraphiQL from a CDN
//! or an internal mirror (`--graphiql-assets`), at exact versions and each with a
//! Subresource Integrity hash: a browser runs these bytes or nothing, whatever
//! the CDN serves that day. A mirror must serve the same files under the same
//! paths (copy them from the npm packages named below).

/// One file the page loads: its path under the assets URL and the SHA-384 of
/// its bytes as npm publishes them (`openssl dgst -sha384 -binary FILE |
/// openssl base64 -A`).
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// Path under the assets URL, version included.
    pub path: &'static str,
    /// The `integrity` attribute's value.
    pub integrity: &'static str,
}

/// React, from npm `react@18.3.1`.
pub const REACT: Asset = Asset {
    path: "react@18.3.1/umd/react.production.min.js",
    integrity: "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
};

/// React DOM, from npm `react-dom@18.3.1`.
pub const REACT_DOM: Asset = Asset {
    path: "react-dom@18.3.1/umd/react-dom.production.min.js",
    integrity: "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
};

/// GraphiQL's styles, from npm `graphiql@4.1.2`.
pub const GRAPHIQL_CSS: Asset = Asset {
    path: "graphiql@4.1.2/graphiql.min.css",
    integrity: "sha384-1el1QShFBnnXTx9x/Cprg82hZWKt0ry29OAYIXt05swbi0KcZDFoj0CWguMpopJr",
};

/// GraphiQL itself, from npm `graphiql@4.1.2`.
pub const GRAPHIQL_JS: Asset = Asset {
    path: "graphiql@4.1.2/graphiql.min.js",
    integrity: "sha384-9XdHu7ajgGJziD4J1zNBKQ842Q/+zZfDv+ib1eMhZWBH6hPAs806x+Jbcf0yNO6B",
};

/// Every file the page loads, in the order it loads them.
pub const ASSETS: [Asset; 4] = [REACT, REACT_DOM, GRAPHIQL_CSS, GRAPHIQL_JS];

/// Where the assets come from unless configured: the public unpkg CDN, which
/// serves npm packages' files as published.
pub const DEFAULT_ASSETS_URL: &str = "https://unpkg.com";

/// The page, loading its assets from `assets_url` (no trailing slash) and
/// talking to `/graphql` and `/graphql/ws` on its own origin.
pub fn page(assets_url: &str) -> String {
    let url = |asset: Asset| format!("{assets_url}/{}", asset.path);
    let script = |asset: Asset| {
        format!(
            r#"<script src="{}" integrity="{}" crossorigin="anonymous"></script>"#,
            url(asset),
            asset.integrity
        )
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex">
<title>Folio GraphQL</title>
<style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
<link rel="stylesheet" href="{css}" integrity="{css_integrity}" crossorigin="anonymous">
{react}
{react_dom}
{graphiql}
</head>
<body>
<div id="graphiql">Loading GraphiQL from {assets_url} ...</div>
<script>
const socket = new URL('/graphql/ws', window.location.href);
socket.protocol = socket.protocol === 'https:' ? 'wss:' : 'ws:';
ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {{
    fetcher: GraphiQL.createFetcher({{ url: '/graphql', subscriptionUrl: socket.href }}),
    defaultHeaders: '{{"Authorization": "Bearer <token>"}}',
  }}),
);
</script>
</body>
</html>
"#,
        css = url(GRAPHIQL_CSS),
        css_integrity = GRAPHIQL_CSS.integrity,
        react = script(REACT),
        react_dom = script(REACT_DOM),
        graphiql = script(GRAPHIQL_JS),
    )
}
