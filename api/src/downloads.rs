//! `GET /documents/{sha256}?type=…&expires=…&signature=…`: an archived file
//! through a link this server signed (`ArchivedDocument.downloadUrl` for a
//! filesystem blob store; S3 presigns its own). The signature is the
//! authority, as with a presigned URL: no bearer token is asked for, and a
//! link names one file until it expires.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use folio_commands::archive_reads::{ArchiveReads, DownloadError};
use folio_commands::download_links::SignedDownload;
use folio_commands::BlobError;
use folio_domain::ErrorCode;
use serde::Deserialize;

use crate::error::error_response;

/// The query of a signed link.
#[derive(Debug, Deserialize)]
pub(crate) struct LinkQuery {
    #[serde(rename = "type")]
    file_type: String,
    expires: i64,
    signature: String,
}

/// Serves the file a signed link names: 200 with the bytes (checked against
/// their hash), 403 for a malformed, altered or expired link, 404 when the
/// store does not have it, 503 while the store is away.
pub(crate) async fn download(
    State(archive): State<ArchiveReads>,
    Path(sha256): Path<String>,
    query: Result<Query<LinkQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return error_response(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "a download link needs its type, expires and signature; ask the API for one",
        );
    };
    let request = SignedDownload {
        sha256,
        file_type: query.file_type,
        expires: query.expires,
        signature: query.signature,
    };
    match archive.download(&request).await {
        Ok(file) => {
            let extension = if file.content_type == "application/pdf" {
                "pdf"
            } else {
                "xml"
            };
            let disposition = format!("attachment; filename=\"{}.{extension}\"", file.address);
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(file.content_type),
                    ),
                    (
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("private, max-age=900, immutable"),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        HeaderValue::from_str(&disposition)
                            .unwrap_or(HeaderValue::from_static("attachment")),
                    ),
                ],
                file.bytes,
            )
                .into_response()
        }
        Err(error) => refusal(&error),
    }
}

/// A failed download as the client sees it; the store's own message is logged.
fn refusal(error: &DownloadError) -> Response {
    let code = error.code();
    let status = match code {
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let message = match error {
        DownloadError::Refused(refused) => refused.to_string(),
        DownloadError::Store(BlobError::NotFound(_)) => "no such document is stored".to_owned(),
        DownloadError::Store(store) => {
            tracing::error!(error = %store, "a download failed");
            match code {
                ErrorCode::Unavailable => "the document store is unavailable; retry shortly",
                _ => "the document cannot be served; it was logged",
            }
            .to_owned()
        }
    };
    error_response(status, code, &message)
}
