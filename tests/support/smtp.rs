//! An SMTP server with an HTTP API for tests: maildev (npm, installed by
//! `scripts/maildev`), on free ports of 127.0.0.1 with its own mail
//! directory, killed when dropped.

use std::path::PathBuf;

use serde_json::Value;

/// A running maildev.
pub struct MailServer {
    process: tokio::process::Child,
    /// The port it takes SMTP on.
    pub smtp_port: u16,
    /// `http://127.0.0.1:PORT`, its REST API.
    pub api: String,
    directory: PathBuf,
}

impl MailServer {
    /// A maildev on free ports.
    pub async fn start() -> Self {
        Self::start_on(super::free_port()).await
    }

    /// A maildev taking SMTP on `smtp_port` (to bring one back where a
    /// sender expects it).
    pub async fn start_on(smtp_port: u16) -> Self {
        let http_port = super::free_port();
        let directory =
            std::env::temp_dir().join(format!("folio-maildev-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&directory).unwrap();
        let process =
            tokio::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/maildev"))
                .args([
                    "run",
                    &smtp_port.to_string(),
                    &http_port.to_string(),
                    &directory.display().to_string(),
                ])
                .stdout(std::process::Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .unwrap();
        let api = format!("http://127.0.0.1:{http_port}");
        let probe = format!("{api}/api/healthz");
        super::eventually("maildev answers", || {
            let probe = probe.clone();
            async move {
                reqwest::get(&probe)
                    .await
                    .ok()
                    .filter(|r| r.status().is_success())
                    .map(drop)
            }
        })
        .await;
        // Its SMTP side listens once its API does; check, not assume.
        super::eventually("maildev takes SMTP", || async move {
            tokio::net::TcpStream::connect(("127.0.0.1", smtp_port))
                .await
                .ok()
                .map(drop)
        })
        .await;
        MailServer {
            process,
            smtp_port,
            api,
            directory,
        }
    }

    /// The URL Folio sends through.
    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    /// Every e-mail it received, as its API lists them.
    pub async fn emails(&self) -> Vec<Value> {
        reqwest::get(format!("{}/api/email", self.api))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The bytes of attachment `name` (its `generatedFileName`) of e-mail `id`.
    pub async fn attachment(&self, id: &str, name: &str) -> Vec<u8> {
        let response = reqwest::get(format!("{}/api/email/{id}/attachment/{name}", self.api))
            .await
            .unwrap();
        assert!(response.status().is_success(), "{response:?}");
        response.bytes().await.unwrap().to_vec()
    }

    /// E-mail `id` as it was received: its headers and MIME body, as text.
    pub async fn source(&self, id: &str) -> String {
        let response = reqwest::get(format!("{}/api/email/{id}/download", self.api))
            .await
            .unwrap();
        assert!(response.status().is_success(), "{response:?}");
        response.text().await.unwrap()
    }

    /// Stops it (its port is free again); the mail it took is gone with it.
    pub async fn stop(mut self) -> u16 {
        self.process.kill().await.unwrap();
        self.smtp_port
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}
