//! Starts `solace server` as a child process on a free loopback port and waits for health.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server child process, killed on drop.
pub struct Server {
    child: Child,
    solace: PathBuf,
    database: String,
    workdir: PathBuf,
    listen: String,
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
        let child = spawn(solace, database, workdir, &listen)?;
        let server = Server {
            child,
            solace: solace.to_owned(),
            database: database.to_owned(),
            workdir: workdir.to_owned(),
            url: format!("http://{listen}"),
            listen,
        };
        server.wait_healthy()?;
        Ok(server)
    }

    /// Kills the server (as a crash would) and starts it again on the same address and
    /// database.
    pub fn restart(&mut self) -> Result<(), Box<dyn std::error::Error>> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(&self.solace, &self.database, &self.workdir, &self.listen)?;
        self.wait_healthy()
    }

    /// The server process id (for its memory).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_healthy(&self) -> Result<(), Box<dyn std::error::Error>> {
        let client = reqwest::blocking::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if client
                .get(format!("{}/v1/health", self.url))
                .send()
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err("the server did not become healthy within 30 s".into())
    }
}

fn spawn(
    solace: &Path,
    database: &str,
    workdir: &Path,
    listen: &str,
) -> Result<Child, Box<dyn std::error::Error>> {
    Ok(Command::new(solace)
        .arg("server")
        .env("SOLACE_SERVER_LISTEN", listen)
        .env("SOLACE_SERVER_DATABASE", database)
        .env("SOLACE_SERVER_RATE_PER_SECOND", "1000000")
        .env("SOLACE_SERVER_RATE_BURST", "1000000")
        .env("RUST_LOG", "warn")
        .current_dir(workdir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
