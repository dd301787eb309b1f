//! The HTTP side: connections, request recording, faults, authentication,
//! and dispatch to discovery or the object handlers.

use std::convert::Infallible;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Instant;

use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{header, HeaderMap, Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::alarm::Alarm;
use super::discovery;
use super::faults::{Fault, FaultHandle};
use super::handlers::{self, ObjectRequest};
use super::router::{self, ObjectRoute, Query, Route};
use super::status::ApiError;
use super::store::{ObjectKey, Store};
use super::tls::{self, Authority};
use super::watch_stream::{self, StreamBody};
use super::RequestRecord;

/// State shared by every connection and the controller.
pub struct Shared {
    pub store: Mutex<Store>,
    pub faults: FaultHandle,
    pub requests: Mutex<Vec<RequestRecord>>,
    /// Arrival and answer of each request (`TestApiServer::answers`).
    pub answers: Mutex<Vec<Answered>>,
    pub token: String,
    /// Whether requests without credentials are served.
    pub allow_anonymous: bool,
    /// `127.0.0.1:PORT`, for `/api`'s serverAddressByClientCIDRs.
    pub address: String,
    /// HTTPS: the CA that signed the serving and client certificates.
    pub authority: Option<Authority>,
    /// Ends the injected latency of each request.
    pub alarm: Alarm,
    /// Requests being served now, and the most at once since the last
    /// `TestApiServer::take_peak_in_flight` (a client's concurrency).
    pub in_flight: AtomicUsize,
    pub peak_in_flight: AtomicUsize,
}

/// When one request arrived and when it was answered (its injected
/// latency included), and whether it was a write (not a GET).
#[derive(Debug, Clone, Copy)]
pub struct Answered {
    pub arrived: Instant,
    pub answered: Instant,
    pub write: bool,
}

/// Counts a request as in flight while it lives (also when a dropped
/// connection ends it early).
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> InFlight<'a> {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Locks a mutex even if a panicking request poisoned it: the data is
/// only ever replaced whole, so it stays consistent.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Returned by the service to make hyper close the connection unanswered.
#[derive(Debug)]
struct DroppedConnection;

impl fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DroppedConnection {}

/// A whole JSON document, or a watch stream.
pub enum ResponseBody {
    Full(Full<Bytes>),
    Stream(StreamBody),
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            ResponseBody::Full(full) => Pin::new(full).poll_frame(cx),
            ResponseBody::Stream(stream) => Pin::new(stream).poll_frame(cx),
        }
    }

    // Delegated so whole documents get a Content-Length, not chunking.
    fn size_hint(&self) -> SizeHint {
        match self {
            ResponseBody::Full(full) => full.size_hint(),
            ResponseBody::Stream(stream) => stream.size_hint(),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResponseBody::Full(full) => full.is_end_stream(),
            ResponseBody::Stream(_) => false,
        }
    }
}

type HttpResponse = Response<ResponseBody>;

/// Accepts connections until `shutdown` flips to true.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let acceptor = match shared.authority.as_ref().map(Authority::acceptor) {
        Some(Ok(acceptor)) => Some(acceptor),
        Some(Err(_)) => return,
        None => None,
    };
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
            _ = shutdown.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            match acceptor {
                None => serve_stream(stream, shared, None).await,
                Some(acceptor) => {
                    // A failed handshake (a client that does not trust the
                    // CA) is the client's to report.
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let presented = tls::peer_certificate(tls.get_ref().1.peer_certificates());
                    let user = presented
                        .and_then(|der| shared.authority.as_ref().and_then(|a| a.user_of(&der)));
                    serve_stream(tls, shared, user).await;
                }
            }
        });
    }
}

/// HTTP/1.1 on one connection; `client_user` is who its client
/// certificate says the client is.
async fn serve_stream<S>(stream: S, shared: Arc<Shared>, client_user: Option<String>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| {
        let (shared, client_user) = (Arc::clone(&shared), client_user.clone());
        async move {
            let arrived = Instant::now();
            let write = req.method() != hyper::Method::GET;
            let counted = InFlight::enter(&shared);
            // Half of the latency is the request's way to the server, half
            // the answer's way back (see `handle`).
            let latency = shared.faults.latency();
            let answer = handle(req, Arc::clone(&shared), client_user, latency / 2).await;
            shared.alarm.sleep_until(arrived + latency).await;
            drop(counted);
            let answered = Instant::now();
            lock(&shared.answers).push(Answered {
                arrived,
                answered,
                write,
            });
            answer
        }
    });
    // Errors here are clients hanging up or our injected drops.
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Serves one request once `on_the_way` (half of the injected latency:
/// the request's way to the server) has passed; the caller holds the
/// answer until the whole latency has (its way back), never less. The
/// latency is a network's, which delays both ways, and the server works on
/// a request in between: its work overlaps the answer's half instead of
/// adding to every round trip. With all of the latency first, the single
/// thread of this server worked through each burst of 16 answers one
/// after the other, on two cores shared with the client under test, and
/// a 5 ms round trip took 5.65 ms on average: the test server's cost, not
/// the client's. Work longer than half the latency still delays the
/// answer.
async fn handle(
    req: Request<Incoming>,
    shared: Arc<Shared>,
    client_user: Option<String>,
    on_the_way: std::time::Duration,
) -> Result<HttpResponse, DroppedConnection> {
    let path = req.uri().path().to_string();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_string();
    let user_agent = header_text(req.headers(), header::USER_AGENT);
    let token = bearer_token(req.headers());
    let impersonate_user = req
        .headers()
        .get("impersonate-user")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let impersonate_groups: Vec<String> = req
        .headers()
        .get_all("impersonate-group")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    lock(&shared.requests).push(RequestRecord {
        method: req.method().to_string(),
        path: path_and_query,
        user_agent: user_agent.clone(),
        bearer_token: token.clone(),
        client_certificate_user: client_user.clone(),
        impersonate_user: impersonate_user.clone(),
        impersonate_groups: impersonate_groups.clone(),
    });

    let fault = shared.faults.decide_for(req.method().as_str(), &path);
    // Exact: see `alarm`.
    shared.alarm.sleep(on_the_way).await;
    match fault {
        Fault::Drop => return Err(DroppedConnection),
        Fault::Hang => std::future::pending::<()>().await,
        _ => {}
    }
    let route = router::route(&path);
    if !matches!(route, Route::Health) {
        let Some(user) = authenticate(token.as_deref(), client_user.as_deref(), &shared) else {
            return Ok(error_response(&ApiError::unauthorized()));
        };
        if let Err(error) =
            check_impersonation(&user, impersonate_user.as_deref(), &impersonate_groups)
        {
            return Ok(error_response(&error));
        }
    }
    match fault {
        Fault::Throttle(secs) => {
            let mut response = error_response(&ApiError::too_many_requests(secs));
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.into());
            return Ok(response);
        }
        Fault::ServerError => {
            return Ok(error_response(&ApiError::internal("injected server error")))
        }
        _ => {}
    }
    if let Some((code, message)) = shared.faults.take_answer(&path) {
        return Ok(error_response(&ApiError::injected(code, &message)));
    }
    if let Route::Objects(object) = &route {
        if let (Some(name), Some((key, value))) = (
            &object.name,
            shared
                .faults
                .take_write_before(req.method().as_str(), &path),
        ) {
            write_annotation(&shared, object, name, &key, &value);
        }
        if object.name.is_some() && shared.faults.take_misread(req.method().as_str(), &path) {
            return Ok(error_response(&ApiError::injected(
                404,
                "injected: not found (stale read)",
            )));
        }
    }
    Ok(respond(req, route, shared, user_agent).await)
}

/// Another writer's change to a stored object (see
/// `FaultHandle::write_before_next`): one annotation, a new resourceVersion.
fn write_annotation(shared: &Shared, route: &ObjectRoute, name: &str, key: &str, value: &str) {
    let mut store = lock(&shared.store);
    let object_key = ObjectKey::new(route.rt, route.namespace.as_deref().unwrap_or(""), name);
    let Some(mut object) = store.get(&object_key).cloned() else {
        return;
    };
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        let annotations = metadata
            .entry("annotations")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(map) = annotations.as_object_mut() {
            map.insert(key.to_string(), Value::String(value.to_string()));
        }
    }
    store.put(object_key, object, false);
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let presented = header_text(headers, header::AUTHORIZATION);
    presented
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_string())
}

/// Who the request comes from, or `None` for 401. A presented token must
/// be the right one (it stands for user `test-user`); a client certificate
/// of the server's CA authenticates as its common name; no credentials at
/// all is `system:anonymous` when anonymous access is on (kubectl sends
/// none over plain HTTP). Rejecting tokens (expired credentials) fails
/// every request.
fn authenticate(token: Option<&str>, client_user: Option<&str>, shared: &Shared) -> Option<String> {
    if shared.faults.tokens_rejected() {
        return None;
    }
    match (token, client_user) {
        (Some(token), _) => (token == shared.token).then(|| TOKEN_USER.to_string()),
        (None, Some(user)) => Some(user.to_string()),
        (None, None) => shared.allow_anonymous.then(|| ANONYMOUS.to_string()),
    }
}

/// The user a valid bearer token authenticates as.
pub const TOKEN_USER: &str = "test-user";
const ANONYMOUS: &str = "system:anonymous";

/// kube-apiserver's impersonation checks: groups need a user to go with
/// them (400), and the anonymous user may impersonate no one (403); any
/// authenticated user may here (the test server has no RBAC).
fn check_impersonation(
    user: &str,
    as_user: Option<&str>,
    as_groups: &[String],
) -> Result<(), ApiError> {
    if as_user.is_none() && !as_groups.is_empty() {
        return Err(ApiError::bad_request(format!(
            "requested [{}] without impersonating a user",
            as_groups
                .iter()
                .map(|g| format!("{{Group  {g}  authentication.k8s.io/v1  }}"))
                .collect::<Vec<_>>()
                .join(" ")
        )));
    }
    match as_user {
        // kube-apiserver's words for a user without the RBAC to impersonate.
        Some(target) if user == ANONYMOUS => Err(ApiError::new(
            403,
            "Forbidden",
            format!("users \"{target}\" is forbidden: User \"{user}\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"),
        )
        .with_details(serde_json::json!({"name": target, "kind": "users"}))),
        _ => Ok(()),
    }
}

async fn respond(
    req: Request<Incoming>,
    route: Route,
    shared: Arc<Shared>,
    user_agent: String,
) -> HttpResponse {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let accept = header_text(req.headers(), header::ACCEPT);
    let content_type = header_text(req.headers(), header::CONTENT_TYPE);
    let query = Query::parse(req.uri().query());
    if method != "GET" && !matches!(route, Route::Objects(_)) {
        return error_response(&ApiError::method_not_allowed(&method));
    }
    let discovered = match route {
        Route::Health => return text_response("ok"),
        Route::Version => Ok(discovery::version()),
        Route::CoreVersions if discovery::wants_aggregated(&accept) => {
            return aggregated_response(discovery::aggregated(true));
        }
        Route::Groups if discovery::wants_aggregated(&accept) => {
            return aggregated_response(discovery::aggregated(false));
        }
        Route::CoreVersions => Ok(discovery::core_versions(&shared.address)),
        Route::Groups => Ok(discovery::groups()),
        Route::Group(name) => discovery::group(&name).ok_or_else(ApiError::no_route),
        Route::ResourceList { group, version } => Ok(discovery::resource_list(&group, &version)),
        Route::OpenApiV3Index => Ok(discovery::openapi_index()),
        Route::OpenApiV3 { group, version } => {
            Ok(discovery::openapi_group_version(&group, &version))
        }
        Route::Unknown => Err(ApiError::no_route()),
        Route::Objects(object_route)
            if method == "GET" && object_route.name.is_none() && query.flag("watch") =>
        {
            return stream_response(watch_stream::start(shared, object_route, query));
        }
        Route::Objects(object_route) => {
            let body = match req.into_body().collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(e) => {
                    return error_response(&ApiError::bad_request(format!("reading body: {e}")))
                }
            };
            let request = ObjectRequest {
                method: &method,
                route: &object_route,
                query: &query,
                content_type: &content_type,
                user_agent: &user_agent,
                body: &body,
            };
            let stale = match (method.as_str(), &object_route.name) {
                ("GET", None) => shared
                    .faults
                    .stale_list(&path, |cache| handlers::handle(cache, &request)),
                _ => None,
            };
            if stale.is_none() && is_plain_list(&request) {
                let listed = handlers::list_json(&lock(&shared.store), &object_route, &query);
                return match listed {
                    Ok(bytes) => bytes_response(200, bytes, "application/json"),
                    Err(error) => error_response(&error),
                };
            }
            let result =
                stale.unwrap_or_else(|| handlers::handle(&mut lock(&shared.store), &request));
            return match result {
                Ok(reply) => json_response(reply.code, &reply.body, "application/json"),
                Err(error) => error_response(&error),
            };
        }
    };
    match discovered {
        Ok(body) => json_response(200, &body, "application/json"),
        Err(error) => error_response(&error),
    }
}

/// A GET of a collection with nothing for `handlers::handle` to decode
/// first: its answer is written straight from the store (see
/// `handlers::list_json`).
fn is_plain_list(request: &ObjectRequest<'_>) -> bool {
    request.method == "GET"
        && request.route.name.is_none()
        && request.route.subresource.is_none()
        && request.body.is_empty()
}

fn json_response(code: u16, body: &Value, content_type: &str) -> HttpResponse {
    bytes_response(
        code,
        serde_json::to_vec(body).unwrap_or_default(),
        content_type,
    )
}

fn bytes_response(code: u16, bytes: Vec<u8>, content_type: &str) -> HttpResponse {
    let mut response = Response::new(ResponseBody::Full(Full::new(Bytes::from(bytes))));
    *response.status_mut() =
        hyper::StatusCode::from_u16(code).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if let Ok(value) = header::HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache, private"),
    );
    response
}

fn aggregated_response(body: Value) -> HttpResponse {
    json_response(200, &body, discovery::AGGREGATED_CONTENT_TYPE)
}

fn error_response(error: &ApiError) -> HttpResponse {
    json_response(error.code, &error.to_status(), "application/json")
}

fn text_response(text: &'static str) -> HttpResponse {
    let mut response = Response::new(ResponseBody::Full(Full::new(Bytes::from_static(
        text.as_bytes(),
    ))));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn stream_response(body: StreamBody) -> HttpResponse {
    let mut response = Response::new(ResponseBody::Stream(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache, private"),
    );
    response
}
