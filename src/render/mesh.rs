//! Service-mesh settings → pod template annotations (STATE.md §3.9).

use std::collections::BTreeMap;

use crate::model::{Mesh, MeshProvider};

/// Annotation keys of one provider; `None` where it has no such setting.
struct Keys {
    inject: &'static str,
    cpu_request: &'static str,
    cpu_limit: &'static str,
    mem_request: &'static str,
    mem_limit: &'static str,
    log_level: Option<&'static str>,
    exclude_inbound: Option<&'static str>,
    exclude_outbound: Option<&'static str>,
}

const ISTIO: Keys = Keys {
    inject: "sidecar.istio.io/inject",
    cpu_request: "sidecar.istio.io/proxyCPU",
    cpu_limit: "sidecar.istio.io/proxyCPULimit",
    mem_request: "sidecar.istio.io/proxyMemory",
    mem_limit: "sidecar.istio.io/proxyMemoryLimit",
    log_level: Some("sidecar.istio.io/logLevel"),
    exclude_inbound: Some("traffic.sidecar.istio.io/excludeInboundPorts"),
    exclude_outbound: Some("traffic.sidecar.istio.io/excludeOutboundPorts"),
};

const LINKERD: Keys = Keys {
    inject: "linkerd.io/inject",
    cpu_request: "config.linkerd.io/proxy-cpu-request",
    cpu_limit: "config.linkerd.io/proxy-cpu-limit",
    mem_request: "config.linkerd.io/proxy-memory-request",
    mem_limit: "config.linkerd.io/proxy-memory-limit",
    log_level: Some("config.linkerd.io/proxy-log-level"),
    exclude_inbound: Some("config.linkerd.io/skip-inbound-ports"),
    exclude_outbound: Some("config.linkerd.io/skip-outbound-ports"),
};

const CONSUL: Keys = Keys {
    inject: "consul.hashicorp.com/connect-inject",
    cpu_request: "consul.hashicorp.com/sidecar-proxy-cpu-request",
    cpu_limit: "consul.hashicorp.com/sidecar-proxy-cpu-limit",
    mem_request: "consul.hashicorp.com/sidecar-proxy-memory-request",
    mem_limit: "consul.hashicorp.com/sidecar-proxy-memory-limit",
    log_level: None,
    exclude_inbound: None,
    exclude_outbound: None,
};

const KUMA: Keys = Keys {
    inject: "kuma.io/sidecar-injection",
    cpu_request: "kuma.io/sidecar-proxy-cpu-requests",
    cpu_limit: "kuma.io/sidecar-proxy-cpu-limits",
    mem_request: "kuma.io/sidecar-proxy-memory-requests",
    mem_limit: "kuma.io/sidecar-proxy-memory-limits",
    log_level: None,
    exclude_inbound: None,
    exclude_outbound: None,
};

pub fn annotations(mesh: &Mesh) -> BTreeMap<String, String> {
    let (keys, inject) = match mesh.provider {
        MeshProvider::Istio => (&ISTIO, "true"),
        MeshProvider::Linkerd => (&LINKERD, "enabled"),
        MeshProvider::Consul => (&CONSUL, "true"),
        MeshProvider::Kuma => (&KUMA, "true"),
    };
    let settings = [
        (Some(keys.cpu_request), &mesh.proxy_cpu_request),
        (Some(keys.cpu_limit), &mesh.proxy_cpu_limit),
        (Some(keys.mem_request), &mesh.proxy_mem_request),
        (Some(keys.mem_limit), &mesh.proxy_mem_limit),
        (keys.log_level, &mesh.log_level),
        (keys.exclude_inbound, &mesh.exclude_inbound),
        (keys.exclude_outbound, &mesh.exclude_outbound),
    ];
    let mut out = BTreeMap::from([(keys.inject.to_string(), inject.to_string())]);
    for (key, value) in settings {
        if let (Some(key), Some(value)) = (key, value) {
            out.insert(key.to_string(), value.clone());
        }
    }
    out
}
