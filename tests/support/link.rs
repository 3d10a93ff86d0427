//! A TCP relay on loopback between `folio` processes and the shared Postgres,
//! which a test can cut and restore: a database outage as a process sees it
//! (every connection dropped, new ones refused), without stopping the machine's
//! Postgres that other tests use.

use std::str::FromStr;
use std::sync::Arc;

use sqlx::postgres::PgConnectOptions;
use sqlx::ConnectOptions;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The relay; dropping it stops it (and so cuts every connection through it).
pub struct DatabaseLink {
    port: u16,
    open: Arc<watch::Sender<bool>>,
    accepting: tokio::task::JoinHandle<()>,
}

impl DatabaseLink {
    /// A relay to the test Postgres server ([`super::server_url`]), open.
    pub async fn to_test_server() -> Self {
        let server = PgConnectOptions::from_str(&super::server_url()).unwrap();
        Self::to(&format!("{}:{}", server.get_host(), server.get_port())).await
    }

    /// A relay to `target` (host:port), open.
    pub async fn to(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = Arc::new(watch::Sender::new(true));
        let target = target.to_owned();
        let state = open.clone();
        let accepting = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                if !*state.borrow() {
                    // Cut: refuse by closing at once, as a restarting server does.
                    drop(client);
                    continue;
                }
                let target = target.clone();
                let cut = state.subscribe();
                tokio::spawn(relay(client, target, cut));
            }
        });
        DatabaseLink {
            port,
            open,
            accepting,
        }
    }

    /// `url` (a Postgres URL on the shared server) rewritten to go through the link.
    pub fn url_for(&self, url: &str) -> String {
        PgConnectOptions::from_str(url)
            .unwrap()
            .host("127.0.0.1")
            .port(self.port)
            .to_url_lossy()
            .to_string()
    }

    /// Drops every connection through the link and refuses new ones.
    pub fn cut(&self) {
        self.open.send_replace(false);
    }

    /// Lets connections through again.
    pub fn restore(&self) {
        self.open.send_replace(true);
    }
}

impl Drop for DatabaseLink {
    fn drop(&mut self) {
        self.open.send_replace(false);
        self.accepting.abort();
    }
}

/// Copies bytes both ways until either side closes or the link is cut.
async fn relay(mut client: TcpStream, target: String, mut open: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(&target).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = open.wait_for(|open| !open) => {}
    }
    let _ = client.shutdown().await;
    let _ = server.shutdown().await;
}
