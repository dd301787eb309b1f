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
//!   dropped connections, hung requests, rejected tokens, path filter;
//!   `hits()` counts the faults that fired)
//! - `serve_stale_lists(&self, n)`: the next `n` lists come from a cache
//!   frozen now (older objects and resourceVersion), reads and writes not
//! - `get(&self, api_version, kind, namespace, name) -> Option<serde_json::Value>`
//! - `requests(&self) -> Vec<RequestRecord>`, `reset_requests(&self)`
//! - `take_peak_in_flight(&self) -> usize`: the most requests served at
//!   once since the last call
//! - `answers(&self) -> Vec<Answered>`: when each request arrived and was
//!   answered (injected latency included), and whether it was a write
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
use std::process::{Command, Output};

/// Names a kubeconfig to run the cluster tests that support it against a
/// real cluster instead of the test API server.
pub const REAL_CLUSTER_ENV: &str = "KUBECTL_WIZARD_TEST_KUBECONFIG";

/// A running test API server and a scratch folder with its kubeconfig.
///
/// `Sandbox::cluster` is where the tests that can also run against a real
/// cluster get theirs: with `KUBECTL_WIZARD_TEST_KUBECONFIG=path` set, the
/// kubeconfig written is that one with its current context's namespace
/// set to a fresh namespace made for the test (deleted when the sandbox
/// is dropped); `fake()` is then `None`, and a test that needs the test
/// server's fault injection or its store skips itself (`require_fake`).
/// Without it, `cluster` is `start_with` and the namespace is `default`.
pub struct Sandbox {
    pub server: TestApiServer,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    /// Where the test's objects go: `default` on the test server.
    pub namespace: String,
    /// On a real cluster (the namespace is deleted on drop).
    real: bool,
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
            namespace: "default".into(),
            real: false,
        }
    }

    /// The test server, or the real cluster named by
    /// `KUBECTL_WIZARD_TEST_KUBECONFIG` in a namespace of the test's own.
    pub fn cluster(options: ServerOptions) -> Sandbox {
        Sandbox::real_cluster(options.clone(), true).unwrap_or_else(|| Sandbox::start_with(options))
    }

    /// Like [`Sandbox::cluster`], for tests whose objects make their own
    /// namespace (a state's `namespace:`): it is not made beforehand. On
    /// the test server it is `fake_namespace`; on a real cluster a fresh
    /// `kw-test-…` (the test writes it into its state), deleted when the
    /// sandbox is dropped if the test made it.
    pub fn cluster_in(options: ServerOptions, fake_namespace: &str) -> Sandbox {
        Sandbox::real_cluster(options.clone(), false).unwrap_or_else(|| {
            let mut sandbox = Sandbox::start_with(options);
            sandbox.namespace = fake_namespace.into();
            sandbox
        })
    }

    /// The real cluster's sandbox, when `KUBECTL_WIZARD_TEST_KUBECONFIG`
    /// names one; `make_namespace`: create the test's namespace now.
    fn real_cluster(options: ServerOptions, make_namespace: bool) -> Option<Sandbox> {
        let real = std::env::var_os(REAL_CLUSTER_ENV).filter(|v| !v.is_empty())?;
        // The test server still starts (it is cheap) but is never used.
        let mut sandbox = Sandbox::start_with(ServerOptions {
            ready_delay: None,
            ..options
        });
        let namespace = format!("kw-test-{}", apiserver::random_suffix(8));
        std::fs::copy(&real, &sandbox.kubeconfig).expect("read the real cluster's kubeconfig");
        sandbox.real = true;
        sandbox.namespace = namespace.clone();
        let context = sandbox.kubectl_raw(&["config", "current-context"]);
        let context = String::from_utf8_lossy(&context.stdout).trim().to_string();
        let set = format!("--namespace={namespace}");
        let mut steps = vec![vec![
            "config",
            "set-context",
            context.as_str(),
            set.as_str(),
        ]];
        if make_namespace {
            steps.push(vec!["create", "namespace", namespace.as_str()]);
        }
        for args in steps {
            let out = sandbox.kubectl_raw(&args);
            assert!(
                out.status.success(),
                "real cluster: kubectl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Some(sandbox)
    }

    /// The test API server, `None` on a real cluster.
    pub fn fake(&self) -> Option<&TestApiServer> {
        (!self.real).then_some(&self.server)
    }

    /// Whether the test can go on: on a real cluster a test that needs the
    /// test server says why it skips itself and returns `false`.
    pub fn require_fake(&self, why: &str) -> bool {
        if self.real {
            eprintln!("skipped on a real cluster: {why}");
        }
        !self.real
    }

    /// A path inside the scratch folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn kubectl_raw(&self, args: &[&str]) -> Output {
        self.run_kubectl(args, "")
    }

    /// The real kubectl against this sandbox's cluster, `stdin` fed to it.
    pub fn run_kubectl(&self, args: &[&str], stdin: &str) -> Output {
        use std::io::Write;
        use std::process::Stdio;
        let mut child = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.path("cache"))
            .args(args)
            .env_remove("KUBECONFIG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl runs (the cluster tests drive the real kubectl; is it on PATH?)");
        if let Some(mut input) = child.stdin.take() {
            input.write_all(stdin.as_bytes()).expect("write to kubectl");
        }
        child.wait_with_output().expect("kubectl finishes")
    }

    /// kubectl with `args`, which must succeed; its stdout.
    pub fn kubectl_stdout(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run_kubectl(args, stdin);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed:\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }
}

/// Output of a program as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if self.real {
            let namespace = self.namespace.clone();
            let out = self.kubectl_raw(&[
                "delete",
                "namespace",
                &namespace,
                "--wait=false",
                "--ignore-not-found",
            ]);
            if !out.status.success() {
                eprintln!(
                    "real cluster: namespace {namespace} was not deleted: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}

/// Polls `check` until it holds (a real cluster's controllers, its
/// garbage collector above all, act some time after the request; the test
/// server's at once), for at most 60 s.
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !check() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "still not so after 60 s: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
