//! A webhook receiver for tests: `tests/webhook_receiver.py`, which checks
//! every delivery with the `standardwebhooks` library, on a free port of
//! 127.0.0.1, killed when dropped.

use std::path::PathBuf;

use serde_json::Value;

/// A running receiver and where it logs what it received.
pub struct WebhookReceiver {
    pub process: tokio::process::Child,
    pub port: u16,
    dir: PathBuf,
}

impl WebhookReceiver {
    /// A receiver that answers `statuses` to its first deliveries, then 200.
    pub async fn start(statuses: &[u16]) -> Self {
        let port = super::free_port();
        let dir = std::env::temp_dir().join(format!("folio-webhooks-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/webhook_receiver.py");
        let process = tokio::process::Command::new(super::python::python())
            .arg(script)
            .arg(port.to_string())
            .arg(dir.join("secret"))
            .arg(dir.join("log.jsonl"))
            .args(statuses.iter().map(u16::to_string))
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        super::eventually("the webhook receiver listens", || async move {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .ok()
                .map(drop)
        })
        .await;
        WebhookReceiver { process, port, dir }
    }

    /// Its URL, at `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Tells it the secret to verify deliveries with.
    pub fn verify_with(&self, secret: &str) {
        std::fs::write(self.dir.join("secret"), secret).unwrap();
    }

    /// Every delivery it received, in order.
    pub fn deliveries(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.join("log.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
