//! Runs the project's test API server until killed:
//!
//! ```text
//! cargo run --example test-apiserver -- --port 0 --kubeconfig /tmp/kc [--latency-ms 50] [--tls]
//! ```
//!
//! It writes a kubeconfig for it (context `test`) and prints the URL. With
//! `--tls` it serves HTTPS with a CA generated at start (in the kubeconfig,
//! and written to `--ca-file` if given).

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use support::{ServerOptions, TestApiServer, DEFAULT_TOKEN};

/// A kube-apiserver stand-in for local testing of kubectl-wizard.
#[derive(Parser)]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one (printed on start).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Where to write a kubeconfig pointing at the server.
    #[arg(long)]
    kubeconfig: PathBuf,
    /// Delay added to every response.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Delay before workloads report a finished rollout.
    #[arg(long, default_value_t = 300)]
    ready_delay_ms: u64,
    /// The bearer token the server accepts.
    #[arg(long, default_value = DEFAULT_TOKEN)]
    token: String,
    /// Reject requests without a bearer token (kubectl sends none over
    /// plain HTTP, so this locks kubectl out).
    #[arg(long)]
    require_token: bool,
    /// Serve HTTPS with a certificate from a CA generated at start.
    #[arg(long)]
    tls: bool,
    /// With --tls: write the CA certificate (PEM) here.
    #[arg(long, requires = "tls")]
    ca_file: Option<PathBuf>,
    /// With --tls: put a client certificate for this user in the
    /// kubeconfig instead of the token.
    #[arg(long, requires = "tls")]
    client_cert_user: Option<String>,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let server = TestApiServer::try_start(ServerOptions {
        port: args.port,
        latency: Duration::from_millis(args.latency_ms),
        ready_delay: Some(Duration::from_millis(args.ready_delay_ms)),
        token: args.token,
        allow_anonymous: !args.require_token,
        tls: args.tls,
    })?;
    match &args.client_cert_user {
        Some(user) => server.write_kubeconfig_with_certificate(&args.kubeconfig, "test", user)?,
        None => server.write_kubeconfig(&args.kubeconfig)?,
    }
    if let (Some(path), Some(pem)) = (&args.ca_file, server.ca_pem()) {
        std::fs::write(path, pem)?;
        println!("CA certificate written to {}", path.display());
    }
    println!(
        "test-apiserver listening on {} (port {})",
        server.url(),
        server.port()
    );
    println!("kubeconfig written to {}", args.kubeconfig.display());
    server.wait();
    Ok(())
}
