//! The two requests the tool makes — read an object, server-side apply an
//! object — with a per-request timeout, bounded retries of transient
//! failures, answers read with a size limit, the `-v` request log, and
//! errors turned into `Failure`s.

use std::time::{Duration, Instant};

use http_body_util::BodyExt;

use kube::api::{Api, DynamicObject, GetParams, ListParams, Patch, PatchParams, PostParams};
use kube::client::Body;
use kube::core::Request;
use serde_json::Value;

use super::connect::Connection;
use super::failure::{ApiStatus, Failure};
use super::log;
use super::resources;
use super::retry::{self, Backoff};
use super::unmanaged;
use crate::render::Manifest;

/// Where an object lives on the server.
#[derive(Debug, Clone)]
pub struct Target {
    /// Collection URL path, e.g. `/apis/apps/v1/namespaces/shop/deployments`.
    pub collection: String,
    pub name: String,
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub code: u16,
    pub body: Value,
}

/// The largest answer read for an object or a list (a real server's
/// objects are at most 1.5 MiB; a list of many can be larger). Beyond it
/// the request fails instead of filling memory.
pub const MAX_BODY: usize = 16 << 20;
/// The largest error answer read: a Status is a few hundred bytes, and
/// only its message is shown (cut further by `sanitize`).
pub const MAX_ERROR_BODY: usize = 64 << 10;

/// A client with the run's request policy.
#[derive(Clone)]
pub struct Transport {
    client: kube::Client,
    server: String,
    timeout: Option<Duration>,
    backoff: Backoff,
    /// `-v N`: from 6 each request is logged to stderr, from 8 its bodies.
    verbosity: u8,
    /// Credentials were left out because the server is plain http://.
    credentials_dropped: bool,
    /// `--field-manager`: the owner of the fields apply and diff send.
    field_manager: String,
    /// At most this many requests in flight across every clone of this
    /// transport (see `limited`); `None`: no limit here.
    slots: Option<std::sync::Arc<tokio::sync::Semaphore>>,
}

/// How one attempt ended, before the retry decision.
enum Attempt {
    Answer {
        code: u16,
        retry_after: Option<Duration>,
        body: Vec<u8>,
    },
    Unreachable(String),
    Dropped(String),
    TimedOut,
    /// The answer was larger than the limit for its kind.
    TooLarge {
        code: u16,
        limit: usize,
    },
}

impl Transport {
    pub fn new(connection: Connection, timeout: Option<Duration>, backoff: Backoff) -> Transport {
        Transport {
            client: connection.client,
            server: connection.server,
            timeout,
            backoff,
            verbosity: 0,
            credentials_dropped: connection.credentials_dropped,
            field_manager: super::FIELD_MANAGER.to_string(),
            slots: None,
        }
    }

    /// This transport with at most `concurrency` requests in flight at
    /// once, shared by its clones: so that reads and writes that overlap
    /// (apply's lists answering while its first writes go) stay within
    /// `--concurrency` together. Waiting for a slot is not counted in the
    /// request timeout.
    pub fn limited(&self, concurrency: usize) -> Transport {
        Transport {
            slots: Some(std::sync::Arc::new(tokio::sync::Semaphore::new(
                concurrency.max(1),
            ))),
            ..self.clone()
        }
    }

    /// Apply and dry-run as this field manager (`--field-manager`).
    pub fn with_field_manager(mut self, manager: &str) -> Transport {
        self.field_manager = manager.to_string();
        self
    }

    pub fn field_manager(&self) -> &str {
        &self.field_manager
    }

    /// Log requests to stderr from `-v 6` on (bodies from 8).
    pub fn with_verbosity(mut self, level: u8) -> Transport {
        self.verbosity = level;
        if level >= log::REQUESTS && self.credentials_dropped {
            eprintln!(
                "{}",
                log::line(
                    "Not sending credentials to a server reached over plain http",
                    &[("server", format!("{:?}", self.server))]
                )
            );
        }
        self
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    /// The URL of a manifest's object, from the static kind table.
    pub fn target(&self, manifest: &Manifest) -> Target {
        let collection = match resources::lookup(&manifest.api_version, &manifest.kind) {
            Some(kind) => {
                let resource = kind.api_resource();
                let client = self.client.clone();
                let api: Api<DynamicObject> = match (&manifest.namespace, kind.namespaced) {
                    (Some(ns), true) => Api::namespaced_with(client, ns, &resource),
                    _ => Api::all_with(client, &resource),
                };
                api.resource_url().to_string()
            }
            // The renderer only emits kinds of the table (a unit test holds
            // it to that); an unknown one would get the server's 404.
            None => format!("/unknown/{}", manifest.kind),
        };
        Target {
            collection,
            name: manifest.name.clone(),
        }
    }

    /// The live object, or `None` when it does not exist.
    pub async fn get(&self, target: &Target) -> Result<Option<Value>, Failure> {
        let request = || Request::new(&target.collection).get(&target.name, &GetParams::default());
        match self.call(request).await {
            Ok(reply) => Ok(Some(reply.body)),
            Err(Failure::Rejected(status)) if status.code == 404 => Ok(None),
            Err(failure) => Err(failure),
        }
    }

    /// Every object of a collection (one namespace, one kind).
    pub async fn list(&self, collection: &str) -> Result<Vec<Value>, Failure> {
        let request = || Request::new(collection).list(&ListParams::default());
        let reply = self.call(request).await?;
        Ok(items(reply.body))
    }

    /// Every object of a collection, without their `managedFields` (see
    /// `unmanaged`): for what only compares objects or reads their names.
    pub async fn list_unmanaged(&self, collection: &str) -> Result<Vec<Value>, Failure> {
        let request = || Request::new(collection).list(&ListParams::default());
        let reply = self.call_reading(request, read_items).await?;
        Ok(items(reply.body))
    }

    /// The objects of a collection that match a label selector.
    pub async fn list_selected(
        &self,
        collection: &str,
        selector: &str,
    ) -> Result<Vec<Value>, Failure> {
        let params = ListParams::default().labels(selector);
        let request = || Request::new(collection).list(&params);
        let reply = self.call(request).await?;
        Ok(items(reply.body))
    }

    /// Delete an object as kubectl does (`propagationPolicy: Background`:
    /// what it owns goes after it), only if it is still the one with `uid`
    /// (a precondition: an object recreated meanwhile is not touched).
    /// `Ok(false)` when it was gone already.
    pub async fn delete(
        &self,
        target: &Target,
        uid: Option<&str>,
        dry_run: bool,
    ) -> Result<bool, Failure> {
        let params = kube::api::DeleteParams {
            dry_run,
            propagation_policy: Some(kube::api::PropagationPolicy::Background),
            preconditions: uid.map(|uid| kube::api::Preconditions {
                uid: Some(uid.to_string()),
                resource_version: None,
            }),
            ..kube::api::DeleteParams::default()
        };
        let request = || Request::new(&target.collection).delete(&target.name, &params);
        match self.call(request).await {
            Ok(_) => Ok(true),
            Err(Failure::Rejected(status)) if status.code == 404 => Ok(false),
            Err(failure) => Err(failure),
        }
    }

    /// Server-side apply `object`; the reply holds the resulting object
    /// (code 201 when it was created) without its `managedFields`: no
    /// caller reads them (`apply -o yaml` leaves them out, diff strips
    /// them), and reading them was most of the work an answer costs.
    pub async fn apply(
        &self,
        target: &Target,
        object: &Value,
        params: &PatchParams,
    ) -> Result<Reply, Failure> {
        let request =
            || Request::new(&target.collection).patch(&target.name, params, &Patch::Apply(object));
        self.call_reading(request, unmanaged::object).await
    }

    /// Create `object` and nothing else: the server answers 409
    /// AlreadyExists when it exists, whatever an earlier read said.
    pub async fn create(
        &self,
        target: &Target,
        object: &Value,
        field_manager: &str,
        dry_run: bool,
    ) -> Result<Reply, Failure> {
        let params = PostParams {
            dry_run,
            field_manager: Some(field_manager.to_string()),
        };
        let body = serde_json::to_vec(object).unwrap_or_default();
        let request = || Request::new(&target.collection).create(&params, body.clone());
        self.call(request).await
    }

    /// Send a request, retrying what a later attempt can cure.
    pub(super) async fn call<F>(&self, build: F) -> Result<Reply, Failure>
    where
        F: Fn() -> Result<http::Request<Vec<u8>>, kube::core::request::Error>,
    {
        self.call_reading(build, |json| serde_json::from_slice(json))
            .await
    }

    /// `call`, with a successful answer read by `read`.
    async fn call_reading<F>(&self, build: F, read: ReadJson) -> Result<Reply, Failure>
    where
        F: Fn() -> Result<http::Request<Vec<u8>>, kube::core::request::Error>,
    {
        let mut attempt = 1;
        loop {
            let request = build().map_err(|e| {
                Failure::Rejected(ApiStatus {
                    message: format!("cannot build the request: {e}"),
                    attempts: 1,
                    ..ApiStatus::default()
                })
            })?;
            let outcome = self.attempt(request).await;
            let retry_after = match &outcome {
                Attempt::Answer {
                    code,
                    retry_after,
                    body,
                } if retry::is_transient_status(*code)
                    && !ApiStatus::parse(*code, body).is_refused_configuration() =>
                {
                    Some(*retry_after)
                }
                Attempt::Dropped(_) | Attempt::TimedOut => Some(None),
                _ => None,
            };
            match retry_after {
                Some(wait) if self.backoff.may_retry(attempt) => {
                    tokio::time::sleep(self.backoff.delay(attempt, wait)).await;
                    attempt += 1;
                }
                _ => return self.conclude(outcome, attempt, read),
            }
        }
    }

    fn conclude(&self, outcome: Attempt, attempts: u32, read: ReadJson) -> Result<Reply, Failure> {
        match outcome {
            Attempt::Answer { code, body, .. } if (200..300).contains(&code) => match read(&body) {
                Ok(body) => Ok(Reply { code, body }),
                Err(e) => Err(Failure::Rejected(ApiStatus {
                    code,
                    message: format!("the answer is not JSON: {e}"),
                    attempts,
                    ..ApiStatus::default()
                })),
            },
            Attempt::Answer {
                code: 401, body, ..
            } => {
                let mut detail = ApiStatus::parse(401, &body).message;
                if self.credentials_dropped {
                    detail.push_str("; no credentials were sent: like kubectl, kubectl-wizard sends none to a server reached over plain http://");
                }
                Err(Failure::Unauthorized {
                    server: self.server.clone(),
                    detail,
                })
            }
            Attempt::Answer { code, body, .. } => {
                let mut status = ApiStatus::parse(code, &body);
                status.attempts = attempts;
                Err(Failure::Rejected(status))
            }
            Attempt::Unreachable(detail) => Err(Failure::Unreachable {
                server: self.server.clone(),
                detail,
            }),
            Attempt::Dropped(detail) => Err(Failure::Dropped { detail, attempts }),
            Attempt::TimedOut => Err(Failure::TimedOut {
                after: self.timeout.unwrap_or_default(),
                attempts,
            }),
            Attempt::TooLarge { code, limit } => Err(Failure::Rejected(ApiStatus {
                code,
                message: format!(
                    "the answer is larger than {} MiB; stopped reading it",
                    limit >> 20
                ),
                attempts,
                ..ApiStatus::default()
            })),
        }
    }

    /// One round trip, bounded by the request timeout (which covers reading
    /// the body too: a server can stall half-way through an answer).
    async fn attempt(&self, request: http::Request<Vec<u8>>) -> Attempt {
        let method = request.method().to_string();
        let url = format!("{}{}", self.server, request.uri());
        if self.verbosity >= log::BODIES && !request.body().is_empty() {
            eprintln!(
                "{}",
                log::body("Request Body", &url, request.body(), self.verbosity)
            );
        }
        // A closed semaphore (never closed here) would mean no limit.
        let _slot = match &self.slots {
            Some(slots) => slots.acquire().await.ok(),
            None => None,
        };
        let started = Instant::now();
        let exchange = async {
            let response = self
                .client
                .send(request.map(Body::from))
                .await
                .map_err(|e| classify(&e))?;
            let status = response.status();
            let code = status.as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(retry::parse_retry_after);
            let limit = if status.is_success() {
                MAX_BODY
            } else {
                MAX_ERROR_BODY
            };
            let body = read_limited(response.into_body(), limit).await?;
            let body = match body {
                Limited::Whole(body) => body,
                // An error answer is only shown in part anyway.
                Limited::Cut(body) if !status.is_success() => body,
                Limited::Cut(_) => return Err(Attempt::TooLarge { code, limit }),
            };
            Ok(Attempt::Answer {
                code,
                retry_after,
                body,
            })
        };
        let result = match self.timeout {
            Some(limit) => match tokio::time::timeout(limit, exchange).await {
                Ok(result) => result,
                Err(_) => Err(Attempt::TimedOut),
            },
            None => exchange.await,
        };
        let outcome = result.unwrap_or_else(|attempt| attempt);
        self.log(&method, &url, &outcome, started.elapsed());
        outcome
    }

    /// The `-v` lines for one attempt.
    fn log(&self, method: &str, url: &str, outcome: &Attempt, took: Duration) {
        if self.verbosity < log::REQUESTS {
            return;
        }
        let status = match outcome {
            Attempt::Answer { code, .. } | Attempt::TooLarge { code, .. } => {
                let reason = http::StatusCode::from_u16(*code)
                    .ok()
                    .and_then(|c| c.canonical_reason())
                    .unwrap_or("");
                format!("{code} {reason}").trim_end().to_string()
            }
            Attempt::Unreachable(detail) | Attempt::Dropped(detail) => format!("error: {detail}"),
            Attempt::TimedOut => "timed out".to_string(),
        };
        eprintln!("{}", log::response(method, url, &status, took));
        if self.verbosity >= log::BODIES {
            if let Attempt::Answer { body, .. } = outcome {
                eprintln!("{}", log::body("Response Body", url, body, self.verbosity));
            }
        }
    }
}

/// How a successful answer's JSON is read.
type ReadJson = fn(&[u8]) -> serde_json::Result<Value>;

/// A list answer as a list of its items, each without `managedFields`
/// (moved into the list, not copied: `json!` would copy every item).
fn read_items(json: &[u8]) -> serde_json::Result<Value> {
    let items = Value::Array(unmanaged::items(json)?);
    Ok(Value::Object(serde_json::Map::from_iter([(
        "items".to_string(),
        items,
    )])))
}

/// The items of a list answer, taken out of it (not copied: a list of
/// many objects is large).
fn items(mut list: Value) -> Vec<Value> {
    match list.get_mut("items").map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

/// A body read up to a limit.
enum Limited {
    Whole(Vec<u8>),
    /// The first `limit` bytes of a longer body; the rest was not read.
    Cut(Vec<u8>),
}

/// Read a body frame by frame, stopping at `limit` bytes: kube's
/// `collect_bytes` has no limit, and a hostile or broken server could send
/// gigabytes.
async fn read_limited(mut body: Body, limit: usize) -> Result<Limited, Attempt> {
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Attempt::Dropped(describe_error(&e)))?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > limit {
                let room = limit - bytes.len();
                bytes.extend_from_slice(&data[..room]);
                return Ok(Limited::Cut(bytes));
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(Limited::Whole(bytes))
}

/// Whether a transport error means "no connection possible" (stop) or "the
/// connection broke" (worth another attempt).
fn classify(error: &kube::Error) -> Attempt {
    use std::io::ErrorKind;
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe
                | ErrorKind::UnexpectedEof => Attempt::Dropped(describe_error(error)),
                ErrorKind::TimedOut => Attempt::TimedOut,
                _ => Attempt::Unreachable(untrusted_hint(describe_error(error))),
            };
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() || h.is_closed() || h.is_canceled() {
                return Attempt::Dropped(describe_error(error));
            }
        }
        current = e.source();
    }
    Attempt::Unreachable(untrusted_hint(describe_error(error)))
}

/// rustls says `invalid peer certificate: UnknownIssuer`; say what to do.
fn untrusted_hint(detail: String) -> String {
    if detail.starts_with("invalid peer certificate") {
        format!("the server's certificate is not trusted ({detail}); check the certificate authority (certificate-authority in the kubeconfig, or --certificate-authority), or skip the check with --insecure-skip-tls-verify (insecure)")
    } else {
        detail
    }
}

/// The most specific message of an error chain (`connection refused`
/// rather than `client error (Connect)`), except for a credential
/// plugin's failure: kube's message for it quotes the plugin's output,
/// which holds a token when the plugin got only the format wrong.
pub fn describe_error(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    loop {
        if let Some(auth) = current.downcast_ref::<kube::client::AuthError>() {
            return describe_auth_error(auth);
        }
        match current.source() {
            Some(next) => current = next,
            None => return crate::sanitize::one_line(&current.to_string()).into_owned(),
        }
    }
}

/// The credential plugin's problem, without its standard output.
fn describe_auth_error(error: &kube::client::AuthError) -> String {
    use kube::client::AuthError;
    match error {
        AuthError::AuthExecParse(_) => "the credential plugin (users[].user.exec in the kubeconfig) printed something that is not an ExecCredential; its output is not shown because it may hold a token".to_string(),
        AuthError::AuthExecRun { out, .. } => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stderr = stderr.trim();
            let said = if stderr.is_empty() {
                String::new()
            } else {
                format!(": {}", crate::sanitize::one_line(stderr))
            };
            format!("the credential plugin (users[].user.exec in the kubeconfig) failed with {}{said}", out.status)
        }
        AuthError::AuthExec(_) | AuthError::ParseTokenKey(_) | AuthError::MissingCommand => {
            "the credential plugin (users[].user.exec in the kubeconfig) did not give a usable credential; its output is not shown because it may hold a token".to_string()
        }
        other => crate::sanitize::one_line(&other.to_string()).into_owned(),
    }
}
