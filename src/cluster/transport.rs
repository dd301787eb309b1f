//! The two requests the tool makes — read an object, server-side apply an
//! object — with a per-request timeout, bounded retries of transient
//! failures, and errors turned into `Failure`s.

use std::time::Duration;

use kube::api::{Api, DynamicObject, GetParams, ListParams, Patch, PatchParams, PostParams};
use kube::client::Body;
use kube::core::Request;
use serde_json::Value;

use super::connect::Connection;
use super::failure::{ApiStatus, Failure};
use super::resources;
use super::retry::{self, Backoff};
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

/// A client with the run's request policy.
#[derive(Clone)]
pub struct Transport {
    client: kube::Client,
    server: String,
    timeout: Option<Duration>,
    backoff: Backoff,
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
}

impl Transport {
    pub fn new(connection: Connection, timeout: Option<Duration>, backoff: Backoff) -> Transport {
        Transport {
            client: connection.client,
            server: connection.server,
            timeout,
            backoff,
        }
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
        match reply.body.get("items") {
            Some(Value::Array(items)) => Ok(items.clone()),
            _ => Ok(Vec::new()),
        }
    }

    /// Server-side apply `object`; the reply holds the resulting object
    /// (code 201 when it was created).
    pub async fn apply(
        &self,
        target: &Target,
        object: &Value,
        params: &PatchParams,
    ) -> Result<Reply, Failure> {
        let request =
            || Request::new(&target.collection).patch(&target.name, params, &Patch::Apply(object));
        self.call(request).await
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
    async fn call<F>(&self, build: F) -> Result<Reply, Failure>
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
                    code, retry_after, ..
                } if retry::is_transient_status(*code) => Some(*retry_after),
                Attempt::Dropped(_) | Attempt::TimedOut => Some(None),
                _ => None,
            };
            match retry_after {
                Some(wait) if self.backoff.may_retry(attempt) => {
                    tokio::time::sleep(self.backoff.delay(attempt, wait)).await;
                    attempt += 1;
                }
                _ => return self.conclude(outcome, attempt),
            }
        }
    }

    fn conclude(&self, outcome: Attempt, attempts: u32) -> Result<Reply, Failure> {
        match outcome {
            Attempt::Answer { code, body, .. } if (200..300).contains(&code) => {
                match serde_json::from_slice(&body) {
                    Ok(body) => Ok(Reply { code, body }),
                    Err(e) => Err(Failure::Rejected(ApiStatus {
                        code,
                        message: format!("the answer is not JSON: {e}"),
                        attempts,
                        ..ApiStatus::default()
                    })),
                }
            }
            Attempt::Answer {
                code: 401, body, ..
            } => Err(Failure::Unauthorized {
                server: self.server.clone(),
                detail: ApiStatus::parse(401, &body).message,
            }),
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
        }
    }

    /// One round trip, bounded by the request timeout (which covers reading
    /// the body too: a server can stall half-way through an answer).
    async fn attempt(&self, request: http::Request<Vec<u8>>) -> Attempt {
        let exchange = async {
            let response = self
                .client
                .send(request.map(Body::from))
                .await
                .map_err(|e| classify(&e))?;
            let code = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(retry::parse_retry_after);
            let body = response
                .into_body()
                .collect_bytes()
                .await
                .map_err(|e| Attempt::Dropped(innermost(&e)))?;
            Ok(Attempt::Answer {
                code,
                retry_after,
                body: body.to_vec(),
            })
        };
        let result = match self.timeout {
            Some(limit) => match tokio::time::timeout(limit, exchange).await {
                Ok(result) => result,
                Err(_) => return Attempt::TimedOut,
            },
            None => exchange.await,
        };
        result.unwrap_or_else(|attempt| attempt)
    }
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
                | ErrorKind::UnexpectedEof => Attempt::Dropped(innermost(error)),
                ErrorKind::TimedOut => Attempt::TimedOut,
                _ => Attempt::Unreachable(innermost(error)),
            };
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() || h.is_closed() || h.is_canceled() {
                return Attempt::Dropped(innermost(error));
            }
        }
        current = e.source();
    }
    Attempt::Unreachable(innermost(error))
}

/// The most specific message of an error chain (`connection refused`
/// rather than `client error (Connect)`).
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}
