//! Starts `solace server` as a child process on a free loopback port and waits for health.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server child process, killed on drop.
pub struct Server {
    child: Child,
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
}

impl Server {
    /// Starts the server with `database` (`sqlite:PATH` or a PostgreSQL URL).
    pub fn start(
        solace: &Path,
        database: &str,
        workdir: &Path,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let listen = format!("127.0.0.1:{port}");
        let child = Command::new(solace)
            .arg("server")
            .env("SOLACE_SERVER_LISTEN", &listen)
            .env("SOLACE_SERVER_DATABASE", database)
            .env("SOLACE_SERVER_RATE_PER_SECOND", "1000000")
            .env("SOLACE_SERVER_RATE_BURST", "1000000")
            .env("RUST_LOG", "warn")
            .current_dir(workdir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        let server = Server {
            child,
            url: format!("http://{listen}"),
        };
        let client = reqwest::blocking::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if client
                .get(format!("{}/v1/health", server.url))
                .send()
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(server);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err("the server did not become healthy within 30 s".into())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
