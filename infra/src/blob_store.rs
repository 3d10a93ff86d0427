//! The blob store on `object_store`: a bucket of S3 or of any server that
//! speaks its API, or a directory of the local filesystem (the embedded
//! default). Objects live at `sha256/<first two hex digits>/<address>`, are
//! written with `PutMode::Create` (S3's `If-None-Match: *`), so nothing ever
//! replaces what an address holds, and are checked against their address when
//! read.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use folio_commands::{BlobAddress, BlobError, BlobStore};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::signer::{Method, Signer};
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutMode, PutOptions, RetryConfig,
};

/// Where the documents are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobLocation {
    /// A directory of this machine (created if missing).
    Directory(PathBuf),
    /// An S3 bucket.
    S3(S3Bucket),
}

/// An S3 bucket and how to reach it.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Bucket {
    /// The bucket's name.
    pub bucket: String,
    /// The region (`us-east-1` when the server does not care).
    pub region: String,
    /// Another server speaking S3's API (`http://127.0.0.1:9000`); AWS when
    /// absent.
    pub endpoint: Option<String>,
    /// The access key id and secret; the machine's role (instance metadata)
    /// when absent.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for S3Bucket {
    /// The secret is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Bucket")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field(
                "access_key_id",
                &self.credentials.as_ref().map(|(id, _)| id),
            )
            .finish()
    }
}

/// A [`BlobStore`] on an `object_store` backend.
#[derive(Debug)]
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
    /// S3 signs download URLs; the filesystem cannot.
    signer: Option<Arc<AmazonS3>>,
}

impl ObjectBlobStore {
    /// The store at `location`.
    pub fn open(location: &BlobLocation) -> Result<Self, BlobError> {
        match location {
            BlobLocation::Directory(directory) => {
                std::fs::create_dir_all(directory).map_err(|e| {
                    BlobError::Unavailable(format!("cannot create {}: {e}", directory.display()))
                })?;
                let store = LocalFileSystem::new_with_prefix(directory).map_err(unavailable)?;
                Ok(ObjectBlobStore {
                    store: Arc::new(store),
                    signer: None,
                })
            }
            BlobLocation::S3(bucket) => {
                // A few quick retries only: whoever stores a document retries
                // the whole step later (from the event log), and a request
                // must not hang on an outage for minutes.
                let retry = RetryConfig {
                    max_retries: 2,
                    retry_timeout: Duration::from_secs(10),
                    ..RetryConfig::default()
                };
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(&bucket.bucket)
                    .with_region(&bucket.region)
                    .with_retry(retry);
                if let Some(endpoint) = &bucket.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                if let Some((id, secret)) = &bucket.credentials {
                    builder = builder
                        .with_access_key_id(id)
                        .with_secret_access_key(secret);
                }
                let s3 = Arc::new(builder.build().map_err(unavailable)?);
                Ok(ObjectBlobStore {
                    store: s3.clone(),
                    signer: Some(s3),
                })
            }
        }
    }
}

/// Where the object of `address` lives in the store.
fn path(address: &BlobAddress) -> Path {
    let hex = address.sha256();
    Path::from(format!("sha256/{}/{hex}", &hex[..2]))
}

fn unavailable(error: object_store::Error) -> BlobError {
    BlobError::Unavailable(error.to_string())
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn put(&self, bytes: Vec<u8>, content_type: &str) -> Result<BlobAddress, BlobError> {
        let address = BlobAddress::of(&bytes);
        let mut attributes = Attributes::new();
        // The filesystem keeps no attributes (and refuses them).
        if self.signer.is_some() {
            attributes.insert(Attribute::ContentType, content_type.to_owned().into());
        }
        let options = PutOptions {
            mode: PutMode::Create,
            attributes,
            ..PutOptions::default()
        };
        match self
            .store
            .put_opts(&path(&address), bytes.into(), options)
            .await
        {
            // The same bytes are there already: the address says so.
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(address),
            Err(error) => Err(unavailable(error)),
        }
    }

    async fn get(&self, address: &BlobAddress) -> Result<Vec<u8>, BlobError> {
        let read = async { self.store.get(&path(address)).await?.bytes().await };
        let bytes = match read.await {
            Ok(bytes) => bytes.to_vec(),
            Err(object_store::Error::NotFound { .. }) => {
                return Err(BlobError::NotFound(address.clone()))
            }
            Err(error) => return Err(unavailable(error)),
        };
        let found = BlobAddress::of(&bytes);
        if &found != address {
            return Err(BlobError::Corrupt {
                address: address.clone(),
                found,
            });
        }
        Ok(bytes)
    }

    async fn download_url(
        &self,
        address: &BlobAddress,
        ttl: Duration,
    ) -> Result<Option<String>, BlobError> {
        let Some(signer) = &self.signer else {
            return Ok(None);
        };
        let url = signer
            .signed_url(Method::GET, &path(address), ttl)
            .await
            .map_err(unavailable)?;
        Ok(Some(url.to_string()))
    }
}
