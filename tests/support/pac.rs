//! The PAC simulator (`folio pac-simulator`) as its own process on a port of
//! 127.0.0.1, checking CFDIs with SAT's files from the validators' satcfdi;
//! killed when dropped, which is how a test takes the PAC down.

use std::time::Duration;

use super::mexico::sat_files;

/// The account every test PAC accepts.
pub const PAC_USER: &str = "folio";
/// Its password.
pub const PAC_PASSWORD: &str = "simulator";

/// A running PAC simulator.
pub struct PacSimulator {
    process: tokio::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl PacSimulator {
    /// A simulator on `port` that answers the first `lose_answers` stamps it
    /// makes with 502.
    pub async fn start_on(port: u16, lose_answers: usize) -> Self {
        Self::start_ahead(port, lose_answers, 0).await
    }

    /// A simulator on `port` whose clock runs `hours` ahead, answering the
    /// first `lose_answers` stamps with 502.
    pub async fn start_ahead(port: u16, lose_answers: usize, hours: i64) -> Self {
        let options = [
            ("--lose-answers", lose_answers.to_string()),
            ("--clock-offset-hours", hours.to_string()),
        ];
        Self::start_with(port, &options).await
    }

    /// A simulator on `port` where SAT cancels nothing without its
    /// receiver's acceptance (`POST /simulator/receiver/{uuid}/accept` or
    /// `/reject`).
    pub async fn start_asking_receivers(port: u16) -> Self {
        Self::start_with(port, &[("--acceptance-free-hours", "0".to_owned())]).await
    }

    /// A simulator on `port` with these command-line `options`.
    async fn start_with(port: u16, options: &[(&str, String)]) -> Self {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_folio"));
        command
            .args(["pac-simulator", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--user", PAC_USER, "--password", PAC_PASSWORD])
            .arg("--sat-schemas")
            .arg(sat_files());
        for (option, value) in options {
            command.args([option, value.as_str()]);
        }
        let process = command.kill_on_drop(true).spawn().unwrap();
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return PacSimulator {
                    process,
                    url: format!("http://127.0.0.1:{port}"),
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the PAC simulator does not listen on {port}");
    }

    /// Stops it: the PAC is down.
    pub async fn stop(mut self) {
        self.process.kill().await.unwrap();
    }
}

/// What `folio serve` needs to stamp and cancel through the PAC at `url`,
/// asking its simulator of SAT's status service.
pub fn pac_env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("FOLIO_PAC_URL", url.to_owned()),
        ("FOLIO_PAC_USER", PAC_USER.to_owned()),
        ("FOLIO_PAC_PASSWORD", PAC_PASSWORD.to_owned()),
        (
            "FOLIO_SAT_STATUS_URL",
            format!("{url}/ConsultaCFDIService.svc"),
        ),
    ]
}
