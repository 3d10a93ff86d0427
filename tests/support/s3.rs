//! An S3 API server for tests: moto, from `scripts/python-tools`, on a free
//! port of 127.0.0.1, killed when dropped.

use folio_infra::blob_store::{BlobLocation, S3Bucket};

/// An S3 API server (moto) on a free port, killed when dropped.
pub struct S3Server {
    pub process: tokio::process::Child,
    pub endpoint: String,
}

impl S3Server {
    pub async fn start() -> Self {
        let port = super::free_port();
        Self::start_on(port).await
    }

    /// A server on `port` (to bring one back where a store expects it).
    pub async fn start_on(port: u16) -> Self {
        let process = tokio::process::Command::new(super::python::python())
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let endpoint = format!("http://127.0.0.1:{port}");
        let probe = endpoint.clone();
        super::eventually("moto answers", || {
            let probe = probe.clone();
            async move { reqwest::get(&probe).await.ok().map(drop) }
        })
        .await;
        S3Server { process, endpoint }
    }

    /// A new bucket on it (moto takes unsigned requests), as a store sees it.
    pub async fn bucket(&self) -> BlobLocation {
        self.bucket_named(&format!("folio-{}", uuid::Uuid::new_v4().simple()))
            .await
    }

    /// The bucket `bucket`, created on this server.
    pub async fn bucket_named(&self, bucket: &str) -> BlobLocation {
        let bucket = bucket.to_owned();
        let created = reqwest::Client::new()
            .put(format!("{}/{bucket}", self.endpoint))
            .send()
            .await
            .unwrap();
        assert!(created.status().is_success(), "{created:?}");
        BlobLocation::S3(S3Bucket {
            bucket,
            region: "us-east-1".into(),
            endpoint: Some(self.endpoint.clone()),
            credentials: Some(("test-key".into(), "test-secret".into())),
        })
    }
}
