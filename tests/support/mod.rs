//! Helpers shared by the integration tests (`mod support;`).
//!
//! # Test API server
//!
//! [`TestApiServer`] is an in-process stand-in for kube-apiserver: real
//! HTTP on `127.0.0.1`, discovery (plain and aggregated), CRUD, server-side
//! apply with `managedFields` ownership, defaulting, validation, a rollout
//! controller and fault injection. Start one per test; it stops when dropped.
//!
//! ```ignore
//! let server = TestApiServer::start();             // port picked by the OS
//! server.write_kubeconfig(&dir.join("kubeconfig"))?;  // context "test"
//! // ... run kubectl / kubectl-wizard against it ...
//! server.faults().throttle_next(2);                // next two requests: 429
//! let deploy = server.get("apps/v1", "Deployment", "default", "web");
//! let patches = server.requests().iter().filter(|r| r.method == "PATCH").count();
//! ```
//!
//! API:
//! - `TestApiServer::start() -> TestApiServer`
//! - `TestApiServer::start_with(ServerOptions) -> TestApiServer`
//! - `TestApiServer::try_start(ServerOptions) -> io::Result<TestApiServer>`
//! - `url(&self) -> String` (`http://127.0.0.1:PORT`), `port(&self) -> u16`,
//!   `token(&self) -> &str`
//! - `write_kubeconfig(&self, &Path) -> io::Result<()>` (context `test`,
//!   namespace `default`, valid token)
//! - `write_kubeconfig_with(&self, &Path, context: &str, token: &str) -> io::Result<()>`
//! - `faults(&self) -> FaultHandle` (latency, 429/500 fractions or next-N,
//!   dropped connections, hung requests, rejected tokens, path filter)
//! - `get(&self, api_version, kind, namespace, name) -> Option<serde_json::Value>`
//! - `requests(&self) -> Vec<RequestRecord>`, `reset_requests(&self)`
//! - `wait(self)` blocks forever (the example binary uses it)
//!
//! `ServerOptions { port, latency, ready_delay, token, allow_anonymous }`
//! defaults to a free port, no latency, rollouts finishing 300 ms after a
//! spec change (`None` = no controller), token [`DEFAULT_TOKEN`], and
//! anonymous requests allowed: kubectl never sends credentials to a
//! plain-HTTP server, while a presented wrong token always gets 401.
//! `RequestRecord { method, path, user_agent, bearer_token,
//! client_certificate_user, impersonate_user, impersonate_groups }` records
//! every request (path includes the query).
//!
//! With `ServerOptions { tls: true, .. }` the server speaks HTTPS with a
//! CA generated at start: `ca_pem()`, `client_certificate(user)` (a
//! certificate that authenticates as `user`),
//! `write_kubeconfig_with_certificate(path, context, user)`; the
//! kubeconfigs it writes then carry the CA. A valid token is user
//! `TOKEN_USER`; `Impersonate-*` headers are checked as kube-apiserver
//! checks them (groups need a user; anonymous may not impersonate).
//!
//! [`Sandbox`] is a server plus a scratch folder holding its kubeconfig,
//! what every client-driving test starts from; each test file adds its own
//! methods to it.

// Each test crate uses a different part of the helpers.
#![allow(dead_code, unused_imports)]

pub mod apiserver;
/// Strict validation against the Kubernetes 1.33 JSON Schemas
/// (`tests/data/kubernetes-1.33.json`); `tests/schema.rs` checks every
/// rendered object with it, and the test API server can use it too.
pub mod schema_check;

pub use apiserver::{
    ClientCertificate, FaultHandle, RequestRecord, ServerOptions, TestApiServer, DEFAULT_TOKEN,
    TOKEN_USER,
};

use std::path::PathBuf;

/// A running test API server and a scratch folder with its kubeconfig.
pub struct Sandbox {
    pub server: TestApiServer,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

impl Sandbox {
    pub fn start_with(options: ServerOptions) -> Sandbox {
        let server = TestApiServer::start_with(options);
        let dir = tempfile::TempDir::new().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        server
            .write_kubeconfig(&kubeconfig)
            .expect("write kubeconfig");
        Sandbox {
            server,
            dir,
            kubeconfig,
        }
    }

    /// A path inside the scratch folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}
