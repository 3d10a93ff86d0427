//! The blob store's contract, on both adapters Folio ships: a local directory
//! and a real S3 API server (moto, from `scripts/python-tools`). Addresses are
//! checked against `sha256sum`, downloads through presigned URLs are plain
//! HTTP, and nothing a store holds is ever replaced.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use folio_commands::{BlobAddress, BlobError, BlobStore};
use folio_infra::blob_store::{BlobLocation, ObjectBlobStore};
use support::s3::S3Server;

const PDF: &[u8] = b"%PDF-1.7 an invoice, as a test stands in for one";

/// The SHA-256 of `bytes` as coreutils' `sha256sum` computes it.
fn sha256sum(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let output = child.wait_with_output().unwrap();
    String::from_utf8(output.stdout).unwrap()[..64].to_owned()
}

/// What every store must do: address by content, store once, read back only
/// what the address says.
async fn keeps_documents_by_their_content(store: &dyn BlobStore) -> BlobAddress {
    // Given a document, When it is stored, Then its address is its SHA-256
    let address = store.put(PDF.to_vec(), "application/pdf").await.unwrap();
    assert_eq!(address.sha256(), sha256sum(PDF));
    assert_eq!(address.to_string(), format!("sha256:{}", sha256sum(PDF)));
    // And storing the same bytes again changes nothing
    let again = store.put(PDF.to_vec(), "application/pdf").await.unwrap();
    assert_eq!(again, address);
    // And it reads back as it was
    assert_eq!(store.get(&address).await.unwrap(), PDF);
    // And an address that holds nothing is NOT_FOUND, not empty bytes
    let missing = BlobAddress::of(b"never stored");
    let error = store.get(&missing).await.unwrap_err();
    assert!(matches!(error, BlobError::NotFound(_)), "{error}");
    address
}

/// What is at `address` is replaced behind the store's back by `forged`;
/// then the store must refuse to read it, and a new write must not repair it
/// (a write never replaces what an address holds).
async fn forged_content_is_refused_and_never_overwritten(
    store: &dyn BlobStore,
    address: &BlobAddress,
) {
    let error = store.get(address).await.unwrap_err();
    assert!(
        matches!(&error, BlobError::Corrupt { found, .. } if *found == BlobAddress::of(b"forged")),
        "{error}"
    );
    store.put(PDF.to_vec(), "application/pdf").await.unwrap();
    assert!(matches!(
        store.get(address).await.unwrap_err(),
        BlobError::Corrupt { .. }
    ));
}

#[tokio::test]
async fn a_local_directory_keeps_documents_by_content_and_never_overwrites() {
    let directory = std::env::temp_dir().join(format!("folio-blobs-{}", uuid::Uuid::new_v4()));
    let store = ObjectBlobStore::open(&BlobLocation::Directory(directory.clone())).unwrap();
    let address = keeps_documents_by_their_content(&store).await;
    // The filesystem has no signed URLs: the server will serve documents itself.
    let url = store.download_url(&address, Duration::from_secs(60)).await;
    assert_eq!(url.unwrap(), None);

    let hex = address.sha256();
    let file = directory.join("sha256").join(&hex[..2]).join(hex);
    std::fs::write(&file, b"forged").unwrap();
    forged_content_is_refused_and_never_overwritten(&store, &address).await;
    std::fs::remove_dir_all(&directory).unwrap();
}

#[tokio::test]
async fn an_s3_bucket_keeps_documents_by_content_signs_downloads_and_never_overwrites() {
    let server = S3Server::start().await;
    let location = server.bucket().await;
    let store = ObjectBlobStore::open(&location).unwrap();
    let address = keeps_documents_by_their_content(&store).await;

    // A presigned URL downloads it with plain HTTP, no credentials
    let url = store
        .download_url(&address, Duration::from_secs(60))
        .await
        .unwrap()
        .expect("S3 signs download URLs");
    let download = reqwest::get(&url).await.unwrap();
    assert!(download.status().is_success(), "{download:?}");
    assert_eq!(
        download.headers()["content-type"],
        "application/pdf",
        "the type it was stored with"
    );
    assert_eq!(download.bytes().await.unwrap(), PDF);
    // While the object's URL without a signature is refused
    let unsigned = url.split('?').next().unwrap();
    let refused = reqwest::get(unsigned).await.unwrap();
    assert!(!refused.status().is_success() || refused.bytes().await.unwrap() != PDF);

    // Forged behind the store's back: another client overwrites the object
    let BlobLocation::S3(bucket) = &location else {
        unreachable!()
    };
    let tamperer = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(&bucket.bucket)
        .with_region("us-east-1")
        .with_endpoint(&server.endpoint)
        .with_allow_http(true)
        .with_access_key_id("test-key")
        .with_secret_access_key("test-secret")
        .build()
        .unwrap();
    let hex = address.sha256();
    let key = object_store::path::Path::from(format!("sha256/{}/{hex}", &hex[..2]));
    object_store::ObjectStoreExt::put(&tamperer, &key, b"forged".to_vec().into())
        .await
        .unwrap();
    forged_content_is_refused_and_never_overwritten(&store, &address).await;
}

#[tokio::test]
async fn an_unreachable_s3_server_is_unavailable_not_a_crash() {
    let mut server = S3Server::start().await;
    let location = server.bucket().await;
    let store = ObjectBlobStore::open(&location).unwrap();
    server.process.kill().await.unwrap();
    let error = store
        .put(PDF.to_vec(), "application/pdf")
        .await
        .unwrap_err();
    assert!(matches!(error, BlobError::Unavailable(_)), "{error}");
    let error = store.get(&BlobAddress::of(PDF)).await.unwrap_err();
    assert!(matches!(error, BlobError::Unavailable(_)), "{error}");
}

/// Folio's own SigV4 presigning (`folio_infra::presign`, checked against
/// AWS's published example) makes URLs an S3 API server takes. moto does not
/// check signatures, so that S3 refuses another type or length than signed
/// follows from SigV4's signed headers and is not shown here.
#[tokio::test]
async fn a_presigned_put_that_binds_type_and_length_uploads_to_an_s3_server() {
    use folio_infra::presign::{presigned_url, PresignRequest};
    let server = S3Server::start().await;
    let BlobLocation::S3(bucket) = server.bucket().await else {
        unreachable!("an S3 bucket")
    };
    let host = server.endpoint.trim_start_matches("http://").to_owned();
    let length = PDF.len().to_string();
    let headers = [
        ("content-type", "application/pdf"),
        ("content-length", length.as_str()),
    ];
    let path = format!("/{}/receipts/uploads/one.pdf", bucket.bucket);
    let sign = |method: &str, headers: &[(&str, &str)]| {
        let request = PresignRequest {
            method,
            host: &host,
            path: &path,
            region: &bucket.region,
            credentials: ("test-key", "test-secret"),
            at: chrono::Utc::now(),
            expires_in_seconds: 900,
            headers,
        };
        presigned_url("http", &request)
    };
    let url = sign("PUT", &headers);
    assert!(
        url.contains("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost"),
        "{url}"
    );
    // An HTTP client that holds no credentials uploads with it, as a browser would.
    let put = reqwest::Client::new()
        .put(&url)
        .header("Content-Type", "application/pdf")
        .body(PDF.to_vec())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{put:?}");
    // Read back through a presigned GET: the bucket is private.
    let got = reqwest::get(sign("GET", &[])).await.unwrap();
    assert!(got.status().is_success(), "{got:?}");
    let stored = got.bytes().await.unwrap();
    assert_eq!(&stored[..], PDF);
}
