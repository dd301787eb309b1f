//! The fields of the state, one table per kind of map: each field's name,
//! type, allowed values, default, what it means and which Kubernetes fields
//! it becomes. The reader takes the keys it knows (and the allowed values
//! of its enumerations) from these tables; `kubectl wizard schema` and
//! `kubectl wizard explain` print them. One source, so the reader, the
//! JSON Schema and the help cannot drift apart.

/// The shape of a value as the reader accepts it.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    /// Text; numbers and booleans are taken in their text form.
    Text,
    /// A DNS-1123 label (at most 63 lower-case letters, digits, `-`).
    Label,
    /// A Kubernetes object name (DNS-1123 subdomain).
    Subdomain,
    /// An absolute path without `..`.
    AbsolutePath,
    /// A whole number, or a string holding one.
    Integer { min: i64, max: i64 },
    /// `true`/`false`, or those words as strings.
    Boolean,
    /// One of a fixed set of words.
    Enum(&'static [&'static str]),
    /// A Kubernetes quantity (`10Gi`, `500m`).
    Quantity,
    /// A whole number or a percentage (`1`, `"25%"`).
    IntOrPercent,
    /// A map with the fields of a table.
    Object(&'static Table),
    /// A list of maps with the fields of a table.
    List(&'static Table),
    /// A list of maps, or a map of name to a value or such a map (`env`).
    ListOrMap(&'static Table),
    /// A list of strings.
    Strings,
    /// A string split on white space, or a list of strings.
    TextOrList,
    /// `"k=v, k2=v2"` or a map of labels.
    Labels,
    /// `"8080,9090"`, `8080` or a list of ports.
    Ports,
    /// A map of names to plain values (`LOG_LEVEL: debug`).
    Values,
}

impl Ty {
    /// The type as `explain` names it, in kubectl's `<type>` style.
    pub fn name(&self) -> String {
        match self {
            Ty::Text | Ty::Label | Ty::Subdomain | Ty::AbsolutePath => "string".into(),
            Ty::Integer { .. } => "integer".into(),
            Ty::Boolean => "boolean".into(),
            Ty::Enum(_) => "string".into(),
            Ty::Quantity => "quantity".into(),
            Ty::IntOrPercent => "IntOrString".into(),
            Ty::Object(t) => t.title.into(),
            Ty::List(t) => format!("[]{}", t.title),
            Ty::ListOrMap(t) => format!("[]{} or map", t.title),
            Ty::Strings => "[]string".into(),
            Ty::TextOrList => "string or []string".into(),
            Ty::Labels => "map[string]string or string".into(),
            Ty::Ports => "[]integer or string".into(),
            Ty::Values => "map[string]string".into(),
        }
    }

    /// The table of the maps this field holds, if any.
    pub fn table(&self) -> Option<&'static Table> {
        match self {
            Ty::Object(t) | Ty::List(t) | Ty::ListOrMap(t) => Some(t),
            _ => None,
        }
    }
}

/// Whether a field must be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Optional,
    Always,
    /// When the sibling field has one of these values (`schedule` of a CronJob).
    When(&'static str, &'static [&'static str]),
    /// Unless the sibling field has one of these values (`image` of a Managed decision).
    Unless(&'static str, &'static [&'static str]),
}

/// One key of a map.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub need: Need,
    /// The value used when the field is left out, as the user would write it.
    pub default: Option<&'static str>,
    pub description: &'static str,
    /// The Kubernetes fields it becomes (`StatefulSet spec.replicas`).
    pub becomes: &'static str,
    /// The field this one is another name of (`services` for `_services`).
    pub alias_of: Option<&'static str>,
}

const fn f(name: &'static str, ty: Ty, description: &'static str) -> Field {
    Field {
        name,
        ty,
        need: Need::Optional,
        default: None,
        description,
        becomes: "",
        alias_of: None,
    }
}

impl Field {
    const fn default(mut self, value: &'static str) -> Field {
        self.default = Some(value);
        self
    }

    const fn becomes(mut self, fields: &'static str) -> Field {
        self.becomes = fields;
        self
    }

    const fn required(mut self) -> Field {
        self.need = Need::Always;
        self
    }

    const fn required_when(
        mut self,
        field: &'static str,
        values: &'static [&'static str],
    ) -> Field {
        self.need = Need::When(field, values);
        self
    }

    const fn required_unless(
        mut self,
        field: &'static str,
        values: &'static [&'static str],
    ) -> Field {
        self.need = Need::Unless(field, values);
        self
    }

    const fn alias(mut self, of: &'static str) -> Field {
        self.alias_of = Some(of);
        self
    }

    /// The allowed words of an enumeration, else none.
    pub fn allowed(&self) -> &'static [&'static str] {
        match self.ty {
            Ty::Enum(words) => words,
            _ => &[],
        }
    }
}

/// The fields of one kind of map. `parts` are joined: a service and a
/// self-hosted infrastructure decision share every field but `kind`.
#[derive(Debug)]
pub struct Table {
    /// Name of its definition in the JSON Schema (`service`).
    pub id: &'static str,
    /// Type name `explain` shows (`Service`).
    pub title: &'static str,
    pub description: &'static str,
    pub parts: &'static [&'static [Field]],
}

impl Table {
    pub fn fields(&self) -> impl Iterator<Item = &'static Field> + '_ {
        self.parts.iter().flat_map(|part| part.iter())
    }

    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields().find(|f| f.name == name)
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.fields().map(|f| f.name)
    }

    pub fn knows(&self, name: &str) -> bool {
        self.field(name).is_some()
    }
}

/// Every table reachable from the state, each once, in a fixed order.
pub fn tables() -> Vec<&'static Table> {
    let mut found: Vec<&'static Table> = Vec::new();
    let mut pending = vec![&ROOT];
    while let Some(table) = pending.pop() {
        if found.iter().any(|t| std::ptr::eq(*t, table)) {
            continue;
        }
        found.push(table);
        let children: Vec<&'static Table> = table.fields().filter_map(|f| f.ty.table()).collect();
        pending.extend(children.into_iter().rev());
    }
    found
}

/// How many fields the reader knows: the fields of every table.
pub fn count() -> usize {
    tables().iter().map(|t| t.fields().count()).sum()
}

// ---------------------------------------------------------------------
// Allowed values, used by the reader's `one_of` and by the tables.

pub const KINDS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];
pub const INFRA_KINDS: &[&str] = &["Skip", "Managed", "StatefulSet", "Deployment", "DaemonSet"];
pub const PROBE_TYPES: &[&str] = &["http", "tcp", "exec"];
pub const MESH_PROVIDERS: &[&str] = &["istio", "linkerd", "consul", "kuma"];
pub const TOLERATION_OPERATORS: &[&str] = &["Exists", "Equal"];
pub const TAINT_EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];
pub const STRATEGIES: &[&str] = &["RollingUpdate", "Recreate", "OnDelete"];
pub const DEPLOYMENT_STRATEGIES: &[&str] = &["RollingUpdate", "Recreate"];
pub const SET_STRATEGIES: &[&str] = &["RollingUpdate", "OnDelete"];
pub const SERVICE_TYPES: &[&str] = &["ClusterIP", "NodePort", "LoadBalancer"];
pub const POD_MANAGEMENT: &[&str] = &["OrderedReady", "Parallel"];
pub const RESTART_POLICIES: &[&str] = &["Never", "OnFailure"];
pub const CONCURRENCY: &[&str] = &["Allow", "Forbid", "Replace"];
pub const VOLUME_TYPES: &[&str] = &[
    "pvc-dynamic",
    "pvc-static",
    "emptyDir",
    "configMap",
    "secret",
    "hostPath",
];
pub const ACCESS_MODES: &[&str] = &[
    "ReadWriteOnce",
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOncePod",
];
pub const HOST_PATH_TYPES: &[&str] = &[
    "DirectoryOrCreate",
    "Directory",
    "FileOrCreate",
    "File",
    "Socket",
    "CharDevice",
    "BlockDevice",
];
pub const MEDIUMS: &[&str] = &["Memory"];
pub const DATA_LOCALITY: &[&str] = &["disabled", "best-effort", "strict-local"];
/// `type` of an env entry; `plain` is the web wizard's word for `hardcoded`.
pub const ENV_TYPES: &[&str] = &["hardcoded", "plain", "variable", "secret"];

/// Defaults the reader applies, named once.
pub const DEFAULT_PVC_SIZE: &str = "10Gi";
pub const DEFAULT_CLAIM_SIZE: &str = "1Gi";
pub const DEFAULT_ACCESS_MODE: &str = "ReadWriteOnce";

const PORT: Ty = Ty::Integer { min: 1, max: 65535 };
const COUNT: Ty = Ty::Integer {
    min: 0,
    max: i32::MAX as i64,
};
const POSITIVE: Ty = Ty::Integer {
    min: 1,
    max: i32::MAX as i64,
};
const SECONDS: Ty = Ty::Integer {
    min: 0,
    max: i64::MAX,
};

// ---------------------------------------------------------------------
// The tables.

/// The keys of a project file beside the state's own: the document is a
/// bare state, or a project file holding it under `kubernetes:` (whose
/// other keys belong to the UI and are not read).
pub static ROOT: Table = Table {
    id: "document",
    title: "Document",
    description: "A wizard state: the state's keys at the top (a bare state), or a project file whose `kubernetes:` holds them (its other keys belong to the UI).",
    parts: &[&[
        f("kubernetes", Ty::Object(&STATE), "In a project file: the wizard state. Without it, the document itself is the state.")
            .becomes("every generated object"),
        f("name", Ty::Text, "In a project file: the project's name. It becomes the app.kubernetes.io/part-of label (characters a label cannot hold become `-`); without it the namespace is used.")
            .becomes("metadata.labels[app.kubernetes.io/part-of] of every object"),
    ]],
};

const TOP: &[Field] = &[
    f("namespace", Ty::Label, "Namespace of every object. Any other value than `default` also produces a Namespace object (namespace.yaml). `-n/--namespace` replaces it.")
        .default("default")
        .becomes("metadata.namespace of every object; Namespace metadata.name"),
    f("output_dir", Ty::Text, "Folder `render` writes into, relative to the working directory (no absolute path, no `..`); `--output-dir` overrides it.")
        .default("k8s"),
    f("ingress", Ty::Text, "Host name of an Ingress over the app services that have a Service (the first at `/`, the others at `/<name>`).")
        .becomes("Ingress spec.rules[0].host"),
    f("_services", Ty::List(&SERVICE), "The application services, one workload each.")
        .default("[]")
        .becomes("a Deployment, StatefulSet, DaemonSet, Job or CronJob each, with its Services, ConfigMap, Secret, claims and autoscaler"),
    f("services", Ty::List(&SERVICE), "Another name of `_services` (ignored when `_services` is given).")
        .alias("_services"),
    f("_infraDecisions", Ty::List(&INFRA), "Databases, caches and other infrastructure: skipped, managed outside the cluster, or run in it.")
        .default("[]")
        .becomes("for Managed: a ConfigMap and Secret; for self-hosted kinds: a workload like an app service"),
    f("infraDecisions", Ty::List(&INFRA), "Another name of `_infraDecisions` (ignored when `_infraDecisions` is given).")
        .alias("_infraDecisions"),
    f("environments", Ty::List(&ENVIRONMENT), "Environments (dev, staging, prod…): each a namespace and overrides per service. `render` writes a kustomize base and one overlay per environment; `--env NAME` renders, diffs or applies one environment directly.")
        .becomes("<output_dir>/overlays/<name>/kustomization.yaml; with --env NAME, that environment's objects"),
];

/// One environment: where it runs and what differs there.
pub static ENVIRONMENT: Table = Table {
    id: "environment",
    title: "Environment",
    description: "An environment: its name, its namespace and the fields of each service that differ there. Only the fields listed in `services` can be overridden.",
    parts: &[&[
        f("name", Ty::Label, "The environment's name, as given to --env and used as the overlay folder (overlays/<name>).")
            .required()
            .becomes("<output_dir>/overlays/<name>/"),
        f("namespace", Ty::Label, "Namespace of every object in this environment (default: the state's).")
            .becomes("metadata.namespace of every object; the overlay's kustomize namespace"),
        f("ingress", Ty::Text, "Host name of the Ingress in this environment; only when the state has an `ingress`.")
            .becomes("Ingress spec.rules[0].host"),
        f("services", Ty::ListOrMap(&OVERRIDE), "The services that differ, by name: a map of service name to its overrides (or a list of overrides with `name`).")
            .becomes("patches of the overlay"),
    ]],
};

/// The fields of a service that an environment may change.
pub static OVERRIDE: Table = Table {
    id: "serviceOverride",
    title: "ServiceOverride",
    description: "What differs for one service in an environment. A field the service does not have (replicas of a DaemonSet, an autoscaler that is not enabled, an env entry it does not define) is an error.",
    parts: &[&[
        f("name", Ty::Label, "The service (an entry of _services or _infraDecisions); the key in the map form."),
        f("replicas", COUNT, "Pods of a Deployment or StatefulSet.")
            .becomes("spec.replicas"),
        f("image", Ty::Text, "Container image of the main container.")
            .becomes("spec.template.spec.containers[0].image"),
        f("resources", Ty::Object(&RESOURCES), "CPU and memory; the keys given replace the service's, the others stay.")
            .becomes("containers[0].resources"),
        f("env", Ty::Values, "Values of hardcoded or variable env entries the service defines, by key (`LOG_LEVEL: debug`); a variable entry becomes that value.")
            .becomes("ConfigMap <name>-config data[key]"),
        f("autoscaling", Ty::Object(&BOUNDS), "Bounds of the autoscaler; only when the service's autoscaling is enabled.")
            .becomes("HorizontalPodAutoscaler spec.minReplicas, spec.maxReplicas"),
    ]],
};

/// The autoscaler bounds an environment may change.
pub static BOUNDS: Table = Table {
    id: "autoscalingBounds",
    title: "AutoscalingBounds",
    description: "The autoscaler's bounds in an environment.",
    parts: &[&[
        f("minReplicas", POSITIVE, "Fewest pods.")
            .becomes("HorizontalPodAutoscaler spec.minReplicas"),
        f("maxReplicas", POSITIVE, "Most pods (at least minReplicas).")
            .becomes("HorizontalPodAutoscaler spec.maxReplicas"),
    ]],
};

pub static STATE: Table = Table {
    id: "state",
    title: "State",
    description: "The wizard state: namespace, output folder, Ingress host, services and infrastructure decisions.",
    parts: &[TOP],
};

const NAME: Field = f("name", Ty::Label, "The service's name: the workload's name, its label app=<name>, its main container's name and the prefix of its other objects.")
    .required()
    .becomes("metadata.name, metadata.labels[app], spec.selector.matchLabels[app], the main container's name");

/// Every service field but `kind`.
const SERVICE_COMMON: &[Field] = &[
    NAME,
    f("image", Ty::Text, "Container image of the main container (`nginx:1.27`, `ghcr.io/org/app@sha256:…`); no white space.")
        .required_unless("kind", &["Skip", "Managed"])
        .becomes("spec.template.spec.containers[0].image"),
    f("port", PORT, "Port the main container listens on. With a port a Service is generated (a ClusterIP Service, a headless one for a StatefulSet); probes default to it.")
        .becomes("containers[0].ports[0].containerPort; Service spec.ports[0].targetPort"),
    f("servicePort", PORT, "The port the Service exposes, when it differs from `port` (which stays the target port).")
        .default("the value of port")
        .becomes("Service spec.ports[0].port"),
    f("replicas", COUNT, "Number of pods (Deployment, StatefulSet).")
        .default("1")
        .becomes("spec.replicas"),
    f("resources", Ty::Object(&RESOURCES), "CPU and memory requests and limits of the main container.")
        .becomes("containers[0].resources"),
    f("cpuRequest", Ty::Quantity, "Same as resources.cpu_request (the nested value wins).")
        .alias("resources.cpu_request")
        .becomes("containers[0].resources.requests.cpu"),
    f("cpuLimit", Ty::Quantity, "Same as resources.cpu_limit (the nested value wins).")
        .alias("resources.cpu_limit")
        .becomes("containers[0].resources.limits.cpu"),
    f("memRequest", Ty::Quantity, "Same as resources.memory_request (the nested value wins).")
        .alias("resources.memory_request")
        .becomes("containers[0].resources.requests.memory"),
    f("memLimit", Ty::Quantity, "Same as resources.memory_limit (the nested value wins).")
        .alias("resources.memory_limit")
        .becomes("containers[0].resources.limits.memory"),
    f("readinessProbe", Ty::Object(&PROBE), "When the main container is ready for traffic (Deployment, StatefulSet, DaemonSet).")
        .becomes("containers[0].readinessProbe"),
    f("livenessProbe", Ty::Object(&PROBE), "When the main container must be restarted (Deployment, StatefulSet, DaemonSet).")
        .becomes("containers[0].livenessProbe"),
    f("envVars", Ty::ListOrMap(&ENV), "Environment of the main container: values kept in a generated ConfigMap or Secret, and references to existing Secrets and ConfigMaps. A map `{NAME: value}` is read as hardcoded entries.")
        .becomes("ConfigMap <name>-config data, Secret <name>-secrets stringData, containers[0].envFrom and containers[0].env"),
    f("env", Ty::ListOrMap(&ENV), "Another name of `envVars`, as the web wizard writes it (ignored when `envVars` is given).")
        .alias("envVars"),
    f("volumes", Ty::List(&VOLUME), "Volumes of the pod, each mounted in the main container (Deployment, DaemonSet, infrastructure StatefulSet).")
        .becomes("spec.template.spec.volumes, containers[0].volumeMounts, PersistentVolumeClaims"),
    f("initContainers", Ty::List(&INIT), "Containers that run to completion before the app starts (not for Jobs and CronJobs).")
        .becomes("spec.template.spec.initContainers"),
    f("sidecars", Ty::List(&SIDECAR), "Helper containers beside the main one (log shippers, proxies).")
        .becomes("spec.template.spec.initContainers (native) or containers"),
    f("companions", Ty::List(&COMPANION), "Other containers moved into the pod (a Redis next to the app), each with its own environment.")
        .becomes("spec.template.spec.containers after the main one"),
    f("mesh", Ty::Object(&MESH), "Service-mesh sidecar injection and its proxy settings.")
        .becomes("spec.template.metadata.annotations"),
    f("dependencies", Ty::Strings, "Names of services or infrastructure decisions this Deployment waits for (or whose ConfigMap and Secret it reads, for Managed ones).")
        .becomes("wait-for-<name> init containers; containers[0].envFrom"),
    f("autoscaling", Ty::Object(&AUTOSCALING), "A HorizontalPodAutoscaler (Deployment, StatefulSet).")
        .becomes("HorizontalPodAutoscaler <name>-hpa"),
    f("serviceType", Ty::Enum(SERVICE_TYPES), "Type of a Deployment's Service.")
        .default("ClusterIP")
        .becomes("Service spec.type"),
    f("strategy", Ty::Enum(STRATEGIES), "How pods are replaced: RollingUpdate or Recreate for a Deployment, RollingUpdate or OnDelete for a StatefulSet or DaemonSet.")
        .default("RollingUpdate")
        .becomes("Deployment spec.strategy.type; StatefulSet/DaemonSet spec.updateStrategy.type"),
    f("maxSurge", Ty::IntOrPercent, "Pods above replicas during a Deployment's rolling update (a number or a percentage).")
        .default("1")
        .becomes("Deployment spec.strategy.rollingUpdate.maxSurge"),
    f("maxUnavailable", Ty::IntOrPercent, "Pods that may be down during a rolling update (Deployment, DaemonSet; at most 100%).")
        .default("0 (Deployment)")
        .becomes("spec.strategy.rollingUpdate.maxUnavailable; DaemonSet spec.updateStrategy.rollingUpdate.maxUnavailable"),
    f("headlessServiceName", Ty::Label, "Name of a StatefulSet's headless Service (its pods' DNS domain).")
        .default("<name>-headless")
        .becomes("StatefulSet spec.serviceName; the headless Service's metadata.name"),
    f("podManagementPolicy", Ty::Enum(POD_MANAGEMENT), "Whether a StatefulSet starts its pods one by one or all at once.")
        .default("OrderedReady")
        .becomes("StatefulSet spec.podManagementPolicy (written only for Parallel)"),
    f("partition", COUNT, "A StatefulSet's rolling update only replaces pods with an ordinal at or above this.")
        .default("0")
        .becomes("StatefulSet spec.updateStrategy.rollingUpdate.partition (written when above 0)"),
    f("alsoCreateClusterIP", Ty::Boolean, "Also give a StatefulSet a ClusterIP Service named like it (needs a port).")
        .default("false")
        .becomes("Service <name>"),
    f("volumeClaimTemplates", Ty::List(&CLAIM_TEMPLATE), "Storage of a StatefulSet: one PersistentVolumeClaim per pod and template, mounted in the main container.")
        .becomes("StatefulSet spec.volumeClaimTemplates, containers[0].volumeMounts"),
    f("nodeSelector", Ty::Labels, "Labels a DaemonSet's nodes must have: `\"disk=ssd, zone=a\"` or a map.")
        .becomes("DaemonSet spec.template.spec.nodeSelector"),
    f("tolerations", Ty::List(&TOLERATION), "Taints a DaemonSet's pods tolerate.")
        .becomes("DaemonSet spec.template.spec.tolerations"),
    f("hostNetwork", Ty::Boolean, "A DaemonSet's pods use the node's network namespace.")
        .default("false")
        .becomes("DaemonSet spec.template.spec.hostNetwork"),
    f("hostPID", Ty::Boolean, "A DaemonSet's pods see the node's processes.")
        .default("false")
        .becomes("DaemonSet spec.template.spec.hostPID"),
    f("hostIPC", Ty::Boolean, "A DaemonSet's pods use the node's IPC namespace.")
        .default("false")
        .becomes("DaemonSet spec.template.spec.hostIPC"),
    f("command", Ty::Text, "What a Job or CronJob runs, under `sh -c`.")
        .becomes("containers[0].command: [sh, -c, command]"),
    f("args", Ty::TextOrList, "Arguments of a Job or CronJob: a string split on white space, or a list taken as is.")
        .becomes("containers[0].args"),
    f("restartPolicy", Ty::Enum(RESTART_POLICIES), "Whether a Job's failed container is restarted in place.")
        .default("Never")
        .becomes("spec.template.spec.restartPolicy"),
    f("backoffLimit", COUNT, "Retries before a Job is marked failed.")
        .becomes("Job spec.backoffLimit"),
    f("completions", COUNT, "Successful pods a Job needs.")
        .becomes("Job spec.completions"),
    f("parallelism", COUNT, "Pods a Job runs at once.")
        .becomes("Job spec.parallelism"),
    f("activeDeadlineSeconds", Ty::Integer { min: 1, max: i64::MAX }, "Seconds a Job may run before it is stopped.")
        .becomes("Job spec.activeDeadlineSeconds"),
    f("ttlSecondsAfterFinished", COUNT, "Seconds after which a finished Job is deleted.")
        .becomes("Job spec.ttlSecondsAfterFinished"),
    f("schedule", Ty::Text, "When a CronJob runs: five cron fields or a macro such as @hourly (required for a CronJob).")
        .required_when("kind", &["CronJob"])
        .becomes("CronJob spec.schedule"),
    f("concurrencyPolicy", Ty::Enum(CONCURRENCY), "What a CronJob does when the previous run is still going.")
        .becomes("CronJob spec.concurrencyPolicy"),
    f("suspend", Ty::Boolean, "Pause a CronJob.")
        .default("false")
        .becomes("CronJob spec.suspend"),
    f("successfulJobsHistoryLimit", COUNT, "Finished Jobs a CronJob keeps.")
        .becomes("CronJob spec.successfulJobsHistoryLimit"),
    f("failedJobsHistoryLimit", COUNT, "Failed Jobs a CronJob keeps.")
        .becomes("CronJob spec.failedJobsHistoryLimit"),
    f("startingDeadlineSeconds", SECONDS, "Seconds a CronJob may start late before the run is skipped.")
        .becomes("CronJob spec.startingDeadlineSeconds"),
    f("providerNotes", Ty::Text, "Notes about a Managed decision's provider; informational, nothing is generated from it."),
];

pub static SERVICE: Table = Table {
    id: "service",
    title: "Service",
    description: "An application service: one workload and everything that belongs to its pod. Fields that mean nothing for its kind are warned about and ignored.",
    parts: &[
        &[f("kind", Ty::Enum(KINDS), "The workload kind.")
            .default("Deployment")
            .becomes("the workload's kind")],
        SERVICE_COMMON,
    ],
};

pub static INFRA: Table = Table {
    id: "infraDecision",
    title: "InfraDecision",
    description: "A piece of infrastructure: not handled (Skip), run outside the cluster (Managed: only its ConfigMap and Secret, for its consumers), or run in it like an app service.",
    parts: &[
        &[f("kind", Ty::Enum(INFRA_KINDS), "How the infrastructure is provided.")
            .required()
            .becomes("Skip: nothing; Managed: ConfigMap <name>-config and Secret <name>-secrets; otherwise the workload's kind")],
        SERVICE_COMMON,
    ],
};

pub static RESOURCES: Table = Table {
    id: "resources",
    title: "Resources",
    description: "CPU and memory of a container; a request must be at most its limit. Empty values are left out.",
    parts: &[&[
        f("cpu_request", Ty::Quantity, "CPU the container is guaranteed (`100m`, `0.5`).").becomes("resources.requests.cpu"),
        f("cpu_limit", Ty::Quantity, "CPU the container may use at most.").becomes("resources.limits.cpu"),
        f("memory_request", Ty::Quantity, "Memory the container is guaranteed (`128Mi`).").becomes("resources.requests.memory"),
        f("memory_limit", Ty::Quantity, "Memory the container may use at most.").becomes("resources.limits.memory"),
        f("cpuRequest", Ty::Quantity, "Same as cpu_request.").alias("cpu_request").becomes("resources.requests.cpu"),
        f("cpuLimit", Ty::Quantity, "Same as cpu_limit.").alias("cpu_limit").becomes("resources.limits.cpu"),
        f("memRequest", Ty::Quantity, "Same as memory_request.").alias("memory_request").becomes("resources.requests.memory"),
        f("memLimit", Ty::Quantity, "Same as memory_limit.").alias("memory_limit").becomes("resources.limits.memory"),
        f("memoryRequest", Ty::Quantity, "Same as memory_request.").alias("memory_request").becomes("resources.requests.memory"),
        f("memoryLimit", Ty::Quantity, "Same as memory_limit.").alias("memory_limit").becomes("resources.limits.memory"),
    ]],
};

pub static PROBE: Table = Table {
    id: "probe",
    title: "Probe",
    description:
        "A health check of the main container; absent, null or `enabled: false` means none.",
    parts: &[&[
        f(
            "type",
            Ty::Enum(PROBE_TYPES),
            "How the container is checked: an HTTP GET, a TCP connection or a command.",
        )
        .default("http")
        .becomes("probe httpGet, tcpSocket or exec"),
        f("path", Ty::Text, "The HTTP path of an http probe.")
            .default("/")
            .becomes("probe httpGet.path"),
        f("port", PORT, "The port of an http or tcp probe.")
            .default("the service's port")
            .becomes("probe httpGet.port or tcpSocket.port"),
        f(
            "command",
            Ty::Text,
            "The command of an exec probe, run under `sh -c`.",
        )
        .required_when("type", &["exec"])
        .becomes("probe exec.command: [sh, -c, command]"),
        f(
            "initialDelaySeconds",
            COUNT,
            "Seconds before the first check (copied when above 0).",
        )
        .becomes("probe initialDelaySeconds"),
        f(
            "periodSeconds",
            COUNT,
            "Seconds between checks (copied when above 0).",
        )
        .becomes("probe periodSeconds"),
        f(
            "extra",
            COUNT,
            "Failed checks in a row before the probe fails (copied when above 0).",
        )
        .becomes("probe failureThreshold"),
        f("failureThreshold", COUNT, "Same as extra (extra wins).")
            .alias("extra")
            .becomes("probe failureThreshold"),
        f("enabled", Ty::Boolean, "false turns the probe off.").default("true"),
    ]],
};

pub static ENV: Table = Table {
    id: "envVar",
    title: "EnvVar",
    description: "One environment variable: a value the state holds (hardcoded, variable, secret), one key of an existing Secret or ConfigMap (secretName/configMapName with a name), or every key of one (secretName/configMapName without a name).",
    parts: &[&[
        f("key", Ty::Text, "The variable's name (letters, digits, '-', '_', '.'). An entry without one is skipped, unless it takes a whole existing object.")
            .becomes("ConfigMap data key, Secret stringData key, or env[].name"),
        f("name", Ty::Text, "Another name of `key` (the Kubernetes spelling).").alias("key").becomes("env[].name"),
        f("type", Ty::Enum(ENV_TYPES), "Where the value is kept: hardcoded (or plain) and variable in the ConfigMap <owner>-config, secret in the Secret <owner>-secrets with the placeholder CHANGE_ME. Not read on a reference.")
            .default("hardcoded")
            .becomes("ConfigMap <owner>-config data or Secret <owner>-secrets stringData"),
        f("value", Ty::Text, "The value of a hardcoded entry.").default("\"\"").becomes("ConfigMap <owner>-config data[key]"),
        f("varName", Ty::Text, "The value of a variable entry, a `${NAME}` to fill in later.").default("${KEY}").becomes("ConfigMap <owner>-config data[key]"),
        f("secretName", Ty::Subdomain, "An existing Secret (not generated) to read: one key with a variable name, every key without.")
            .becomes("env[].valueFrom.secretKeyRef.name, or envFrom[].secretRef.name"),
        f("secretKey", Ty::Text, "The key of the existing Secret to read.")
            .default("the variable's name")
            .becomes("env[].valueFrom.secretKeyRef.key"),
        f("configMapName", Ty::Subdomain, "An existing ConfigMap (not generated) to read: one key with a variable name, every key without.")
            .becomes("env[].valueFrom.configMapKeyRef.name, or envFrom[].configMapRef.name"),
        f("configMapKey", Ty::Text, "The key of the existing ConfigMap to read.")
            .default("the variable's name")
            .becomes("env[].valueFrom.configMapKeyRef.key"),
        f("optional", Ty::Boolean, "On a reference: the container starts even when the object or key is missing.")
            .default("false")
            .becomes("secretKeyRef/configMapKeyRef/secretRef/configMapRef optional"),
        f("prefix", Ty::Text, "On a whole-object reference: a prefix put before every key's variable name.")
            .becomes("envFrom[].prefix"),
    ]],
};

pub static INIT: Table = Table {
    id: "initContainer",
    title: "InitContainer",
    description: "A container that runs to completion before the app starts.",
    parts: &[&[
        f("name", Ty::Label, "The container's name.")
            .required()
            .becomes("initContainers[].name"),
        f("image", Ty::Text, "The container's image.")
            .required()
            .becomes("initContainers[].image"),
        f("command", Ty::Text, "What it runs, under `sh -c`.")
            .becomes("initContainers[].command: [sh, -c, command]"),
    ]],
};

pub static SIDECAR: Table = Table {
    id: "sidecar",
    title: "Sidecar",
    description: "A helper container beside the main one.",
    parts: &[&[
        f("name", Ty::Label, "The container's name.").required().becomes("the sidecar container's name"),
        f("image", Ty::Text, "The container's image.").required().becomes("the sidecar container's image"),
        f("command", Ty::Text, "What it runs, under `sh -c`.").becomes("command: [sh, -c, command]"),
        f("nativeSidecar", Ty::Boolean, "A native sidecar (Kubernetes 1.28+) is an init container with restartPolicy Always: it starts before the app and, in a Job, stops after it.")
            .default("true")
            .becomes("initContainers[] with restartPolicy: Always, or containers[]"),
        f("sharedVolume", Ty::Label, "Name of an emptyDir shared with the main container (needs sharedMount).")
            .becomes("spec.template.spec.volumes[].emptyDir"),
        f("sharedMount", Ty::AbsolutePath, "Where the shared volume is mounted, in both containers (needs sharedVolume).")
            .becomes("volumeMounts[].mountPath of the sidecar and the main container"),
    ]],
};

pub static COMPANION: Table = Table {
    id: "companion",
    title: "Companion",
    description: "Another container in the pod, with its own port, environment (<service>-<companion>-config/-secrets), resources and volumes.",
    parts: &[&[
        f("name", Ty::Label, "The container's name.").required().becomes("containers[].name"),
        f("image", Ty::Text, "The container's image.").required().becomes("containers[].image"),
        f("port", PORT, "The port it listens on.").becomes("containers[].ports[0].containerPort"),
        f("env", Ty::ListOrMap(&ENV), "Its environment, like a service's envVars.").becomes("ConfigMap <service>-<companion>-config, Secret <service>-<companion>-secrets, containers[].envFrom and env"),
        f("envVars", Ty::ListOrMap(&ENV), "Another name of `env` (wins when both are given).").alias("env"),
        f("resources", Ty::Object(&RESOURCES), "Its CPU and memory.").becomes("containers[].resources"),
        f("cpuRequest", Ty::Quantity, "Same as resources.cpu_request.").alias("resources.cpu_request").becomes("containers[].resources.requests.cpu"),
        f("cpuLimit", Ty::Quantity, "Same as resources.cpu_limit.").alias("resources.cpu_limit").becomes("containers[].resources.limits.cpu"),
        f("memRequest", Ty::Quantity, "Same as resources.memory_request.").alias("resources.memory_request").becomes("containers[].resources.requests.memory"),
        f("memLimit", Ty::Quantity, "Same as resources.memory_limit.").alias("resources.memory_limit").becomes("containers[].resources.limits.memory"),
        f("volumes", Ty::List(&VOLUME), "Volumes mounted in this container.").becomes("spec.template.spec.volumes, containers[].volumeMounts"),
        f("dependsOn", Ty::Text, "A service or infrastructure decision the pod waits for before this container starts (`__main__` is ignored).")
            .becomes("a wait-for-<name> init container"),
        f("dependsOnPort", PORT, "The port waited for, instead of the dependency's own.").becomes("the wait-for init container's nc port"),
    ]],
};

pub static MESH: Table = Table {
    id: "mesh",
    title: "Mesh",
    description:
        "Service-mesh injection; absent, null, `enabled: false` or an empty provider mean none.",
    parts: &[&[
        f(
            "provider",
            Ty::Enum(MESH_PROVIDERS),
            "The mesh whose sidecar is injected.",
        )
        .becomes("the provider's inject annotation"),
        f("proxyCpuRequest", Ty::Quantity, "CPU request of the proxy.")
            .becomes("a pod-template annotation of the provider"),
        f("proxyCpuLimit", Ty::Quantity, "CPU limit of the proxy.")
            .becomes("a pod-template annotation of the provider"),
        f(
            "proxyMemRequest",
            Ty::Quantity,
            "Memory request of the proxy.",
        )
        .becomes("a pod-template annotation of the provider"),
        f("proxyMemLimit", Ty::Quantity, "Memory limit of the proxy.")
            .becomes("a pod-template annotation of the provider"),
        f(
            "excludeInbound",
            Ty::Ports,
            "Inbound ports the proxy leaves alone (istio, linkerd).",
        )
        .becomes("a pod-template annotation of the provider"),
        f(
            "excludeOutbound",
            Ty::Ports,
            "Outbound ports the proxy leaves alone (istio, linkerd).",
        )
        .becomes("a pod-template annotation of the provider"),
        f(
            "logLevel",
            Ty::Text,
            "The proxy's log level (istio, linkerd).",
        )
        .becomes("a pod-template annotation of the provider"),
        f("enabled", Ty::Boolean, "false turns the mesh off.").default("true"),
    ]],
};

pub static AUTOSCALING: Table = Table {
    id: "autoscaling",
    title: "Autoscaling",
    description: "A HorizontalPodAutoscaler (autoscaling/v2) for a Deployment or StatefulSet.",
    parts: &[&[
        f(
            "enabled",
            Ty::Boolean,
            "Only `true` generates the autoscaler.",
        )
        .default("false")
        .becomes("HorizontalPodAutoscaler <name>-hpa"),
        f("minReplicas", POSITIVE, "Fewest pods.")
            .default("1")
            .becomes("HorizontalPodAutoscaler spec.minReplicas"),
        f("maxReplicas", POSITIVE, "Most pods (at least minReplicas).")
            .default("10")
            .becomes("HorizontalPodAutoscaler spec.maxReplicas"),
        f(
            "targetCPU",
            POSITIVE,
            "Target average CPU utilisation, in percent of the request.",
        )
        .becomes("HorizontalPodAutoscaler spec.metrics[cpu].resource.target.averageUtilization"),
        f(
            "targetMemory",
            POSITIVE,
            "Target average memory utilisation, in percent of the request.",
        )
        .becomes("HorizontalPodAutoscaler spec.metrics[memory].resource.target.averageUtilization"),
    ]],
};

pub static TOLERATION: Table = Table {
    id: "toleration",
    title: "Toleration",
    description: "A taint a DaemonSet's pods tolerate.",
    parts: &[&[
        f(
            "key",
            Ty::Text,
            "The taint's key (a qualified name); without one, operator must be Exists.",
        )
        .becomes("tolerations[].key"),
        f(
            "operator",
            Ty::Enum(TOLERATION_OPERATORS),
            "Exists matches any value; Equal matches `value`.",
        )
        .becomes("tolerations[].operator"),
        f(
            "effect",
            Ty::Enum(TAINT_EFFECTS),
            "The taint effect tolerated; none means every effect.",
        )
        .becomes("tolerations[].effect"),
        f("value", Ty::Text, "The taint's value, for operator Equal.")
            .becomes("tolerations[].value"),
        f(
            "tolerationSeconds",
            SECONDS,
            "How long a NoExecute taint is tolerated.",
        )
        .becomes("tolerations[].tolerationSeconds"),
    ]],
};

pub static VOLUME: Table = Table {
    id: "volume",
    title: "Volume",
    description: "A pod volume and its mount in the container. pvc-dynamic and pvc-static also produce a PersistentVolumeClaim <service>-<name>.",
    parts: &[&[
        f("name", Ty::Label, "The volume's name (required for PVC types; emptyDir and hostPath get empty-<position> / hp-<position> without one).")
            .required_when("type", &["pvc-dynamic", "pvc-static"])
            .becomes("volumes[].name; PersistentVolumeClaim <service>-<name>"),
        f("type", Ty::Enum(VOLUME_TYPES), "The kind of volume.").required().becomes("volumes[].persistentVolumeClaim, emptyDir, configMap, secret or hostPath"),
        f("mountPath", Ty::AbsolutePath, "Where it is mounted.").required().becomes("volumeMounts[].mountPath"),
        f("size", Ty::Quantity, "Size of the claim (PVC types; above zero).").default(DEFAULT_PVC_SIZE).becomes("PersistentVolumeClaim spec.resources.requests.storage"),
        f("accessMode", Ty::Enum(ACCESS_MODES), "Access mode of the claim (PVC types).").default(DEFAULT_ACCESS_MODE).becomes("PersistentVolumeClaim spec.accessModes[0]"),
        f("storageClass", Ty::Subdomain, "Storage class of the claim (PVC types); none uses the cluster's default.").becomes("PersistentVolumeClaim spec.storageClassName"),
        f("pvName", Ty::Subdomain, "The PersistentVolume a pvc-static claim binds to.")
            .required_when("type", &["pvc-static"]).becomes("PersistentVolumeClaim spec.volumeName"),
        f("medium", Ty::Enum(MEDIUMS), "Memory keeps an emptyDir in RAM.").becomes("volumes[].emptyDir.medium"),
        f("sizeLimit", Ty::Quantity, "Most an emptyDir may hold.").becomes("volumes[].emptyDir.sizeLimit"),
        f("configMapName", Ty::Subdomain, "The ConfigMap a configMap volume shows.")
            .required_when("type", &["configMap"]).becomes("volumes[].configMap.name (volume cm-<name>)"),
        f("secretName", Ty::Subdomain, "The Secret a secret volume shows.")
            .required_when("type", &["secret"]).becomes("volumes[].secret.secretName (volume sec-<name>)"),
        f("key", Ty::Text, "Only this key of the ConfigMap or Secret, mounted as a file with subPath.").becomes("volumes[].configMap/secret.items[0]; volumeMounts[].subPath"),
        f("hostPath", Ty::AbsolutePath, "The node's path a hostPath volume shows.")
            .required_when("type", &["hostPath"]).becomes("volumes[].hostPath.path"),
        f("hostType", Ty::Enum(HOST_PATH_TYPES), "What must be at hostPath.").becomes("volumes[].hostPath.type"),
        f("readOnly", Ty::Boolean, "Mount it read-only.").default("false").becomes("volumeMounts[].readOnly"),
        f("longhornConfig", Ty::Object(&LONGHORN), "Longhorn settings of a claim whose storage class names Longhorn.").becomes("PersistentVolumeClaim annotations"),
    ]],
};

pub static LONGHORN: Table = Table {
    id: "longhornConfig",
    title: "LonghornConfig",
    description: "Longhorn volume settings, as claim annotations.",
    parts: &[&[
        f(
            "replicas",
            Ty::Integer { min: 1, max: 100 },
            "Copies Longhorn keeps of the volume.",
        )
        .becomes("annotation longhorn.io/number-of-replicas"),
        f(
            "dataLocality",
            Ty::Enum(DATA_LOCALITY),
            "Whether a copy is kept on the pod's node.",
        )
        .becomes("annotation longhorn.io/data-locality"),
    ]],
};

pub static CLAIM_TEMPLATE: Table = Table {
    id: "volumeClaimTemplate",
    title: "VolumeClaimTemplate",
    description: "Storage of a StatefulSet: each pod gets its own claim <name>-<statefulset>-<ordinal>, mounted in the main container.",
    parts: &[&[
        f("name", Ty::Label, "The template's name, also the mount's volume name.")
            .required()
            .becomes("StatefulSet spec.volumeClaimTemplates[].metadata.name; containers[0].volumeMounts[].name"),
        f("mountPath", Ty::AbsolutePath, "Where the claim is mounted.")
            .required()
            .becomes("containers[0].volumeMounts[].mountPath"),
        f("size", Ty::Quantity, "Size of each pod's claim (above zero).")
            .default(DEFAULT_CLAIM_SIZE)
            .becomes("StatefulSet spec.volumeClaimTemplates[].spec.resources.requests.storage"),
        f("accessMode", Ty::Enum(ACCESS_MODES), "Access mode of each claim.")
            .default(DEFAULT_ACCESS_MODE)
            .becomes("StatefulSet spec.volumeClaimTemplates[].spec.accessModes[0]"),
        f("storageClass", Ty::Subdomain, "Storage class of each claim; none uses the cluster's default.")
            .becomes("StatefulSet spec.volumeClaimTemplates[].spec.storageClassName"),
    ]],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_reachable_and_names_are_unique_within_it() {
        let tables = tables();
        for table in [
            &STATE,
            &SERVICE,
            &INFRA,
            &ENV,
            &VOLUME,
            &CLAIM_TEMPLATE,
            &LONGHORN,
        ] {
            assert!(
                tables.iter().any(|t| std::ptr::eq(*t, table)),
                "{}",
                table.id
            );
        }
        for table in &tables {
            let mut names: Vec<&str> = table.names().collect();
            let all = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), all, "a name twice in {}", table.id);
        }
    }

    #[test]
    fn aliases_name_a_field_of_the_same_table_or_a_nested_one() {
        for table in tables() {
            for field in table.fields() {
                let Some(of) = field.alias_of else { continue };
                let (first, rest) = of.split_once('.').unwrap_or((of, ""));
                let target = table
                    .field(first)
                    .unwrap_or_else(|| panic!("{}.{}", table.id, field.name));
                if !rest.is_empty() {
                    let nested = target.ty.table().expect("nested alias into a map");
                    assert!(nested.knows(rest), "{}.{} → {of}", table.id, field.name);
                }
            }
        }
    }
}
