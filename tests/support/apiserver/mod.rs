//! An in-process stand-in for kube-apiserver, for tests and benchmarks.
//!
//! It serves discovery, CRUD, server-side apply with real field ownership,
//! defaulting, validation and a rollout "controller" for a fixed set of
//! built-in types over plain HTTP on 127.0.0.1, and lets tests inject
//! faults. See `tests/support/mod.rs` for the API overview.

mod alarm;
mod clock;
mod controller;
mod cron;
mod defaults;
mod deletion;
mod discovery;
mod faults;
pub mod fieldset;
mod gc;
mod handlers;
mod http;
mod last_applied;
pub mod merge;
mod protobuf;
pub mod quantity;
mod resources;
mod router;
mod scale;
pub mod schema;
mod selector;
pub mod ssa;
pub mod status;
mod store;
mod tls;
mod typed;
mod validation;
mod watch_stream;
mod write;

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::watch;

pub use clock::random_suffix;
pub use faults::FaultHandle;
pub use http::TOKEN_USER;
pub use tls::ClientCertificate;

pub use http::Answered;
use http::{lock, Shared};
use router::{ObjectRoute, Query};
use store::{ObjectKey, Store};

/// The bearer token `ServerOptions::default()` accepts.
pub const DEFAULT_TOKEN: &str = "test-token";

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// `GET`, `PATCH`, ...
    pub method: String,
    /// Path and query, e.g. `/apis/apps/v1/namespaces/x/deployments/y?fieldManager=z`.
    pub path: String,
    pub user_agent: String,
    /// The `Authorization: Bearer` token presented, if any.
    pub bearer_token: Option<String>,
    /// The user of the client certificate presented (HTTPS), if any.
    pub client_certificate_user: Option<String>,
    /// The `Impersonate-User` header, if any.
    pub impersonate_user: Option<String>,
    /// Every `Impersonate-Group` header, in order.
    pub impersonate_groups: Vec<String>,
}

/// How to start a server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// 0 = let the OS pick a free port.
    pub port: u16,
    /// Delay added to every response (also settable later via `faults()`).
    pub latency: Duration,
    /// How long after a spec change the controller reports the rollout
    /// finished; `None` = no controller (workloads never become ready).
    pub ready_delay: Option<Duration>,
    /// The only bearer token accepted.
    pub token: String,
    /// Serve requests that carry no credentials at all. On by default
    /// because kubectl never sends a token to a plain-HTTP server (client-go
    /// only reads kubeconfig credentials for https URLs); a wrong token is
    /// always rejected with 401.
    pub allow_anonymous: bool,
    /// Serve HTTPS with a certificate from a CA generated at start (see
    /// `ca_pem`); client certificates it issues authenticate too.
    pub tls: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            port: 0,
            latency: Duration::ZERO,
            ready_delay: Some(Duration::from_millis(300)),
            token: DEFAULT_TOKEN.to_string(),
            allow_anonymous: true,
            tls: false,
        }
    }
}

/// A running server; it stops when dropped.
pub struct TestApiServer {
    shared: Arc<Shared>,
    port: u16,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl TestApiServer {
    /// Starts with default options on a free port.
    pub fn start() -> Self {
        Self::start_with(ServerOptions::default())
    }

    /// Starts on its own thread and tokio runtime; panics if it cannot bind.
    pub fn start_with(options: ServerOptions) -> Self {
        Self::try_start(options).expect("test API server failed to start")
    }

    /// Like `start_with`, reporting bind and thread errors.
    pub fn try_start(options: ServerOptions) -> io::Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", options.port))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let faults = FaultHandle::default();
        faults.set_latency(options.latency);
        let mut store = Store::default();
        store.async_namespace_deletion = options.ready_delay.is_some();
        bootstrap(&mut store);
        let authority = if options.tls {
            Some(tls::Authority::generate()?)
        } else {
            None
        };
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            faults,
            requests: Mutex::new(Vec::new()),
            answers: Mutex::new(Vec::new()),
            token: options.token.clone(),
            allow_anonymous: options.allow_anonymous,
            address: format!("127.0.0.1:{port}"),
            authority,
            alarm: alarm::Alarm::start()?,
            in_flight: Default::default(),
            peak_in_flight: Default::default(),
        });
        let (shutdown, stopped) = watch::channel(false);
        let thread = spawn_runtime(listener, Arc::clone(&shared), stopped, options.ready_delay)?;
        Ok(TestApiServer {
            shared,
            port,
            shutdown,
            thread: Some(thread),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`, or `https://…` when serving TLS.
    pub fn url(&self) -> String {
        let scheme = if self.shared.authority.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The PEM of the CA behind the serving certificate (HTTPS only).
    pub fn ca_pem(&self) -> Option<String> {
        self.shared.authority.as_ref().map(|a| a.ca_pem())
    }

    /// A client certificate that authenticates as `user` (HTTPS only).
    pub fn client_certificate(&self, user: &str) -> io::Result<ClientCertificate> {
        match &self.shared.authority {
            Some(authority) => authority.issue_client(user),
            None => Err(io::Error::other("the server does not serve HTTPS")),
        }
    }

    /// The accepted bearer token.
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// Writes a kubeconfig with one context, `test`, using the valid token.
    pub fn write_kubeconfig(&self, path: &Path) -> io::Result<()> {
        self.write_kubeconfig_with(path, "test", self.token())
    }

    /// Writes a kubeconfig with the given context name and token (a wrong
    /// token gets 401s). The context's namespace is `default`. Over HTTPS
    /// the cluster entry carries the CA (`certificate-authority-data`).
    pub fn write_kubeconfig_with(&self, path: &Path, context: &str, token: &str) -> io::Result<()> {
        let ca = self
            .ca_pem()
            .map(|pem| {
                format!(
                    "    certificate-authority-data: {}\n",
                    base64_encode(pem.as_bytes())
                )
            })
            .unwrap_or_default();
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {context}\n  cluster:\n    server: {url}\n{ca}\
             users:\n- name: {context}\n  user:\n    token: {token}\n\
             contexts:\n- name: {context}\n  context:\n    cluster: {context}\n    user: {context}\n    namespace: default\n\
             current-context: {context}\npreferences: {{}}\n",
            url = self.url(),
        );
        std::fs::write(path, text)
    }

    /// Writes a kubeconfig whose user authenticates with a client
    /// certificate for `user` (embedded as `client-certificate-data`), no
    /// token (HTTPS only).
    pub fn write_kubeconfig_with_certificate(
        &self,
        path: &Path,
        context: &str,
        user: &str,
    ) -> io::Result<()> {
        let cert = self.client_certificate(user)?;
        let ca = self.ca_pem().unwrap_or_default();
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {context}\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\n\
             users:\n- name: {context}\n  user:\n    client-certificate-data: {cert}\n    client-key-data: {key}\n\
             contexts:\n- name: {context}\n  context:\n    cluster: {context}\n    user: {context}\n    namespace: default\n\
             current-context: {context}\npreferences: {{}}\n",
            url = self.url(),
            ca = base64_encode(ca.as_bytes()),
            cert = base64_encode(cert.cert_pem.as_bytes()),
            key = base64_encode(cert.key_pem.as_bytes()),
        );
        std::fs::write(path, text)
    }

    /// Runtime fault injection for this server.
    pub fn faults(&self) -> FaultHandle {
        self.shared.faults.clone()
    }

    /// Lists served by a cache that lags from now on: the next `n` lists
    /// (of the fault filters) show the objects and resourceVersion of this
    /// moment; reads of one object and writes see the present. Counted in
    /// `faults().hits()`, cleared by `faults().clear()`.
    pub fn serve_stale_lists(&self, n: u32) {
        let cache = lock(&self.shared.store).snapshot();
        self.shared.faults.serve_stale_lists(n, cache);
    }

    /// The stored object, as the server would return it (`ns` is ignored
    /// for cluster-scoped kinds). `None` if absent or the kind is unknown.
    pub fn get(&self, api_version: &str, kind: &str, ns: &str, name: &str) -> Option<Value> {
        let rt = resources::by_kind(api_version, kind)?;
        lock(&self.shared.store)
            .get(&ObjectKey::new(rt, ns, name))
            .cloned()
    }

    /// Every request received since start (or the last reset), in order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.requests).clone()
    }

    /// When each request arrived and was answered (the injected latency
    /// included), in the order they were answered: what a client cannot
    /// shorten, and when it had nothing in flight, for benchmarks.
    pub fn answers(&self) -> Vec<Answered> {
        lock(&self.shared.answers).clone()
    }

    /// The most requests served at once since the server started or this
    /// was last called (from arrival to answer, injected latency
    /// included: never more than the client had in flight).
    pub fn take_peak_in_flight(&self) -> usize {
        self.shared
            .peak_in_flight
            .swap(0, std::sync::atomic::Ordering::SeqCst)
    }

    pub fn reset_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Blocks until the server stops (that is, forever: for the example
    /// binary, which runs until killed).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for TestApiServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn spawn_runtime(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    stopped: watch::Receiver<bool>,
    ready_delay: Option<Duration>,
) -> io::Result<JoinHandle<()>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("test-apiserver".into())
        .spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                if let Some(delay) = ready_delay {
                    tokio::spawn(controller::run(Arc::clone(&shared), delay));
                }
                http::serve(listener, shared, stopped).await;
            });
            // Hung requests and keep-alive connections are abandoned here.
            runtime.shutdown_timeout(Duration::from_millis(100));
        })
}

/// The namespaces every cluster starts with, created the way
/// kube-apiserver creates them (manager `kube-apiserver`).
fn bootstrap(store: &mut Store) {
    let Some(rt) = resources::by_kind("v1", "Namespace") else {
        return;
    };
    for name in ["default", "kube-node-lease", "kube-public", "kube-system"] {
        let body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
            .to_string();
        let route = ObjectRoute {
            rt,
            namespace: None,
            name: None,
            subresource: None,
        };
        let request = handlers::ObjectRequest {
            method: "POST",
            route: &route,
            query: &Query::default(),
            content_type: "application/json",
            user_agent: "kube-apiserver/v1.33.0",
            body: body.as_bytes(),
        };
        let _ = handlers::handle(store, &request);
    }
}

/// Standard base64, as kubeconfig `*-data` fields hold it.
pub fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
