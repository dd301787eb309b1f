//! URL → what is being asked for, and query-string parsing.

use super::resources::{self, ResourceType};

/// A request target, in kube-apiserver's URL layout.
#[derive(Debug)]
pub enum Route {
    Health,
    Version,
    /// `/api`
    CoreVersions,
    /// `/apis`
    Groups,
    /// `/apis/<group>`
    Group(String),
    /// `/api/v1`, `/apis/<group>/<version>`
    ResourceList {
        group: String,
        version: String,
    },
    /// `/openapi/v3`
    OpenApiV3Index,
    /// `/openapi/v3/api/v1`, `/openapi/v3/apis/<group>/<version>`
    OpenApiV3 {
        group: String,
        version: String,
    },
    Objects(ObjectRoute),
    Unknown,
}

/// A collection or a single object of a served type.
#[derive(Debug, Clone)]
pub struct ObjectRoute {
    pub rt: &'static ResourceType,
    /// `None` for cluster-scoped types and all-namespace lists.
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

pub fn route(path: &str) -> Route {
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segments.as_slice() {
        ["healthz" | "livez" | "readyz", ..] => Route::Health,
        ["version"] => Route::Version,
        ["api"] => Route::CoreVersions,
        ["apis"] => Route::Groups,
        ["apis", group] => Route::Group(group.to_string()),
        ["api", version] => resource_list("", version),
        ["apis", group, version] => resource_list(group, version),
        ["openapi", "v3"] => Route::OpenApiV3Index,
        ["openapi", "v3", "api", version] => openapi("", version),
        ["openapi", "v3", "apis", group, version] => openapi(group, version),
        ["api", version, rest @ ..] => objects("", version, rest),
        ["apis", group, version, rest @ ..] => objects(group, version, rest),
        _ => Route::Unknown,
    }
}

fn served(group: &str, version: &str) -> bool {
    resources::group_versions().contains(&(group, version))
}

fn resource_list(group: &str, version: &str) -> Route {
    if served(group, version) {
        Route::ResourceList {
            group: group.into(),
            version: version.into(),
        }
    } else {
        Route::Unknown
    }
}

fn openapi(group: &str, version: &str) -> Route {
    if served(group, version) {
        Route::OpenApiV3 {
            group: group.into(),
            version: version.into(),
        }
    } else {
        Route::Unknown
    }
}

fn objects(group: &str, version: &str, rest: &[&str]) -> Route {
    let find = |plural: &str| resources::by_plural(group, version, plural);
    // `/namespaces/<ns>/<plural>/...` addresses namespaced objects; but
    // `/namespaces/<name>[/status]` is the Namespace object itself.
    if let ["namespaces", namespace, plural, tail @ ..] = rest {
        if let Some(rt) = find(plural).filter(|rt| rt.namespaced) {
            return object_route(rt, Some(namespace), tail);
        }
    }
    match rest {
        [plural, tail @ ..] => match find(plural) {
            Some(rt) => object_route(rt, None, tail),
            None => Route::Unknown,
        },
        [] => Route::Unknown,
    }
}

fn object_route(rt: &'static ResourceType, namespace: Option<&str>, tail: &[&str]) -> Route {
    let (name, subresource) = match tail {
        [] => (None, None),
        [name] => (Some(*name), None),
        [name, sub] => (Some(*name), Some(*sub)),
        _ => return Route::Unknown,
    };
    let served = |s: &str| match s {
        "status" => rt.has_status,
        "scale" => super::scale::has_scale(rt),
        _ => false,
    };
    if subresource.is_some_and(|s| !served(s)) {
        return Route::Unknown;
    }
    // A cluster-scoped object addressed by name needs no namespace; a
    // namespaced one addressed by name must have one.
    if rt.namespaced && namespace.is_none() && name.is_some() {
        return Route::Unknown;
    }
    Route::Objects(ObjectRoute {
        rt,
        namespace: namespace.map(str::to_string),
        name: name.map(str::to_string),
        subresource: subresource.map(str::to_string),
    })
}

/// Decoded query parameters.
#[derive(Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(query: Option<&str>) -> Query {
        let pairs = query
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        Query(pairs)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn flag(&self, key: &str) -> bool {
        self.get(key) == Some("true")
    }
}

/// `application/x-www-form-urlencoded` decoding (`+` is a space).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes
            .get(i + 1..i + 3)
            .filter(|_| bytes[i] == b'%')
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (escaped, bytes[i]) {
            (Some(byte), _) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, other) => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
