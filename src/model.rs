//! The validated model: what a state file means once every value has been
//! checked, defaulted and typed. Everything downstream (rendering, the
//! interactive wizard's summary, diff and apply) works on these types only,
//! never on raw YAML, so the rules of STATE.md live in exactly two places:
//! `state` (reading and checking) and `render` (mapping to Kubernetes objects).

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// The whole project: every service and infrastructure decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub namespace: String,
    /// What the objects are part of (`app.kubernetes.io/part-of`): the
    /// project file's `name` made a label value, else the namespace.
    pub part_of: String,
    pub output_dir: String,
    /// Host name for the Ingress; `None` when the state leaves it empty.
    pub ingress_host: Option<String>,
    /// Application services (`_services`), in state order.
    pub services: Vec<Service>,
    /// Infrastructure decisions (`_infraDecisions`), in state order.
    pub infra: Vec<InfraDecision>,
    /// Where each name is, for `lookup` (`NameIndex::default()` to build one).
    pub names: NameIndex,
}

impl Project {
    /// Every self-hosted workload: app services first, then self-hosted infra.
    pub fn workloads(&self) -> impl Iterator<Item = &Service> {
        self.services
            .iter()
            .chain(self.infra.iter().filter_map(|d| match &d.hosting {
                Hosting::SelfHosted(svc) => Some(svc.as_ref()),
                _ => None,
            }))
    }

    /// What a name in `dependencies` (or a companion's `dependsOn`) points at:
    /// the first app service of that name, else the first infra decision.
    pub fn lookup(&self, name: &str) -> Option<Target<'_>> {
        let index = self.names.0.get_or_init(|| self.index_names());
        // The index is checked against the lists, so a project changed after
        // its first lookup still gets right (if slower) answers.
        let indexed = match index.get(name) {
            Some(Slot::Service(i)) => self
                .services
                .get(*i)
                .filter(|s| s.name == name)
                .map(Target::Service),
            Some(Slot::Infra(i)) => self
                .infra
                .get(*i)
                .filter(|d| d.name == name)
                .map(InfraDecision::target),
            None => None,
        };
        indexed.or_else(|| self.scan(name))
    }

    fn scan(&self, name: &str) -> Option<Target<'_>> {
        if let Some(svc) = self.services.iter().find(|s| s.name == name) {
            return Some(Target::Service(svc));
        }
        self.infra
            .iter()
            .find(|d| d.name == name)
            .map(InfraDecision::target)
    }

    fn index_names(&self) -> HashMap<String, Slot> {
        let mut index = HashMap::with_capacity(self.services.len() + self.infra.len());
        for (i, svc) in self.services.iter().enumerate() {
            index.entry(svc.name.clone()).or_insert(Slot::Service(i));
        }
        for (i, decision) in self.infra.iter().enumerate() {
            index.entry(decision.name.clone()).or_insert(Slot::Infra(i));
        }
        index
    }
}

/// The position of every service and infra name, built on the first
/// `Project::lookup`: every dependency of every service is looked up, and a
/// scan each time would make large states quadratic. A cache, not data: two
/// indexes are always equal.
#[derive(Clone, Default)]
pub struct NameIndex(OnceLock<HashMap<String, Slot>>);

#[derive(Debug, Clone, Copy)]
enum Slot {
    Service(usize),
    Infra(usize),
}

impl PartialEq for NameIndex {
    fn eq(&self, _: &NameIndex) -> bool {
        true
    }
}

impl std::fmt::Debug for NameIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NameIndex")
    }
}

/// The thing a dependency name resolves to.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Service(&'a Service),
    Managed(&'a InfraDecision),
    Skipped,
}

/// An entry of `_infraDecisions`.
#[derive(Debug, Clone, PartialEq)]
pub struct InfraDecision {
    /// Where it stands in the state (`_infraDecisions[2]`), for messages.
    pub path: String,
    pub name: String,
    pub hosting: Hosting,
}

impl InfraDecision {
    /// What a dependency on this decision points at.
    fn target(&self) -> Target<'_> {
        match &self.hosting {
            Hosting::SelfHosted(svc) => Target::Service(svc.as_ref()),
            Hosting::Managed { .. } => Target::Managed(self),
            Hosting::Skip => Target::Skipped,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Hosting {
    /// Generates nothing.
    Skip,
    /// An external service: only its ConfigMap/Secret, for consumers' envFrom.
    Managed {
        env: Vec<EnvVar>,
        provider_notes: Option<String>,
    },
    /// Runs in the cluster, rendered exactly like an app service.
    SelfHosted(Box<Service>),
}

/// A workload and everything that belongs to its pod.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Where it stands in the state (`_services[0]`), for messages.
    pub path: String,
    pub name: String,
    pub image: String,
    /// Main container port; drives the Service objects.
    pub port: Option<i32>,
    /// Port the Service exposes when it differs from the container port.
    pub service_port: Option<i32>,
    pub resources: Resources,
    pub readiness_probe: Option<Probe>,
    pub liveness_probe: Option<Probe>,
    pub env: Vec<EnvVar>,
    /// Whole existing Secrets/ConfigMaps exposed as environment (`envFrom`).
    pub env_from: Vec<EnvFromRef>,
    pub volumes: Vec<Volume>,
    pub init_containers: Vec<InitContainer>,
    pub sidecars: Vec<Sidecar>,
    pub companions: Vec<Companion>,
    pub mesh: Option<Mesh>,
    /// Names of services or infra decisions this one waits for (Deployment).
    pub dependencies: Vec<String>,
    pub autoscaling: Option<Autoscaling>,
    pub workload: Workload,
}

impl Service {
    pub fn kind(&self) -> WorkloadKind {
        self.workload.kind()
    }

    /// The port a Service object exposes (`servicePort`, else the container port).
    pub fn exposed_port(&self) -> Option<i32> {
        self.service_port.or(self.port)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
}

impl WorkloadKind {
    pub const ALL: [WorkloadKind; 5] = [
        WorkloadKind::Deployment,
        WorkloadKind::StatefulSet,
        WorkloadKind::DaemonSet,
        WorkloadKind::Job,
        WorkloadKind::CronJob,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
        }
    }
}

/// Kind-specific settings.
#[derive(Debug, Clone, PartialEq)]
pub enum Workload {
    Deployment(DeploymentSpec),
    StatefulSet(StatefulSetSpec),
    DaemonSet(DaemonSetSpec),
    Job(JobSpec),
    CronJob(CronJobSpec),
}

impl Workload {
    pub fn kind(&self) -> WorkloadKind {
        match self {
            Workload::Deployment(_) => WorkloadKind::Deployment,
            Workload::StatefulSet(_) => WorkloadKind::StatefulSet,
            Workload::DaemonSet(_) => WorkloadKind::DaemonSet,
            Workload::Job(_) => WorkloadKind::Job,
            Workload::CronJob(_) => WorkloadKind::CronJob,
        }
    }
}

/// A Kubernetes int-or-string value (`1` or `"25%"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(i32),
    Str(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentSpec {
    pub replicas: i32,
    pub strategy: DeploymentStrategy,
    pub service_type: ServiceType,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DeploymentStrategy {
    RollingUpdate {
        max_surge: IntOrPercent,
        max_unavailable: IntOrPercent,
    },
    Recreate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceType {
    ClusterIp,
    NodePort,
    LoadBalancer,
}

impl ServiceType {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::ClusterIp => "ClusterIP",
            ServiceType::NodePort => "NodePort",
            ServiceType::LoadBalancer => "LoadBalancer",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatefulSetSpec {
    pub replicas: i32,
    pub headless_service_name: String,
    pub parallel_pod_management: bool,
    pub update_strategy: StatefulSetStrategy,
    pub also_create_cluster_ip: bool,
    pub claim_templates: Vec<ClaimTemplate>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatefulSetStrategy {
    /// `partition` is only rendered when > 0.
    RollingUpdate {
        partition: i32,
    },
    OnDelete,
}

/// A StatefulSet volumeClaimTemplate plus the main-container mount it implies.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimTemplate {
    /// The state entry it comes from (`…volumeClaimTemplates[0]`, or
    /// `…volumes[1]` for an infra StatefulSet's PVC volume), for messages.
    pub path: String,
    pub name: String,
    pub mount_path: String,
    pub size: String,
    pub access_mode: String,
    pub storage_class: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DaemonSetSpec {
    pub strategy: DaemonSetStrategy,
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<Toleration>,
    pub host_network: bool,
    pub host_pid: bool,
    pub host_ipc: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DaemonSetStrategy {
    RollingUpdate {
        max_unavailable: Option<IntOrPercent>,
    },
    OnDelete,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Toleration {
    pub key: Option<String>,
    pub operator: Option<String>,
    pub effect: Option<String>,
    pub value: Option<String>,
    pub toleration_seconds: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    /// Shell command for the main container (`sh -c`).
    pub command: Option<String>,
    pub args: Vec<String>,
    pub restart_policy: JobRestartPolicy,
    pub backoff_limit: Option<i32>,
    pub completions: Option<i32>,
    pub parallelism: Option<i32>,
    pub active_deadline_seconds: Option<i64>,
    pub ttl_seconds_after_finished: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobRestartPolicy {
    Never,
    OnFailure,
}

impl JobRestartPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            JobRestartPolicy::Never => "Never",
            JobRestartPolicy::OnFailure => "OnFailure",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CronJobSpec {
    pub job: JobSpec,
    pub schedule: String,
    pub concurrency_policy: Option<String>,
    pub suspend: bool,
    pub successful_jobs_history_limit: Option<i32>,
    pub failed_jobs_history_limit: Option<i32>,
    pub starting_deadline_seconds: Option<i64>,
}

/// CPU and memory requests/limits; `None` values are left out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resources {
    pub cpu_request: Option<String>,
    pub cpu_limit: Option<String>,
    pub memory_request: Option<String>,
    pub memory_limit: Option<String>,
}

impl Resources {
    pub fn is_empty(&self) -> bool {
        self.cpu_request.is_none()
            && self.cpu_limit.is_none()
            && self.memory_request.is_none()
            && self.memory_limit.is_none()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub action: ProbeAction,
    pub initial_delay_seconds: Option<i32>,
    pub period_seconds: Option<i32>,
    pub failure_threshold: Option<i32>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProbeAction {
    Http { path: String, port: i32 },
    Tcp { port: i32 },
    Exec { command: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnvVar {
    pub key: String,
    pub source: EnvSource,
    /// Where the entry is in the state (`_services[0].envVars[1]`), for
    /// messages about its value (an unset `${NAME}`).
    pub path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EnvSource {
    /// Goes to the ConfigMap as is.
    Hardcoded(String),
    /// Goes to the ConfigMap as a `${NAME}` reference for later substitution.
    Variable(String),
    /// Goes to the Secret with the placeholder value.
    Secret,
    /// Read from one key of an existing object the state does not generate
    /// (`valueFrom.secretKeyRef` / `configMapKeyRef`).
    KeyRef { object: ExistingObject, key: String },
}

/// A Secret or ConfigMap that exists in the namespace already (made by
/// hand, by another tool, by an operator): referenced, never generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingObject {
    pub kind: ExistingKind,
    pub name: String,
    /// `optional: true`: the pod starts even when it (or the key) is missing.
    pub optional: bool,
    /// The state path of the entry that names it (`_services[0].envVars[2]`).
    pub path: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExistingKind {
    Secret,
    ConfigMap,
}

impl ExistingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExistingKind::Secret => "Secret",
            ExistingKind::ConfigMap => "ConfigMap",
        }
    }
}

/// Every key of an existing object as a variable (`envFrom`), optionally
/// with a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFromRef {
    pub object: ExistingObject,
    pub prefix: Option<String>,
}

/// One entry of a `volumes` list (services and companions).
#[derive(Debug, Clone, PartialEq)]
pub struct Volume {
    /// Position in its list; used for synthesized names (`empty-<index>`).
    pub index: usize,
    pub source: VolumeSource,
    pub mount_path: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum VolumeSource {
    Pvc(PvcVolume),
    EmptyDir {
        name: Option<String>,
        memory: bool,
        size_limit: Option<String>,
    },
    ConfigMap {
        config_map_name: String,
        key: Option<String>,
    },
    Secret {
        secret_name: String,
        key: Option<String>,
    },
    HostPath {
        name: Option<String>,
        path: String,
        host_type: Option<String>,
    },
}

/// A `pvc-dynamic` (no `pv_name`) or `pvc-static` volume.
#[derive(Debug, Clone, PartialEq)]
pub struct PvcVolume {
    pub name: String,
    pub access_mode: String,
    pub size: String,
    pub storage_class: Option<String>,
    /// Set for `pvc-static`: binds the claim to this PersistentVolume.
    pub pv_name: Option<String>,
    pub longhorn: Option<Longhorn>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Longhorn {
    pub replicas: Option<String>,
    pub data_locality: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InitContainer {
    pub name: String,
    pub image: String,
    pub command: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sidecar {
    pub name: String,
    pub image: String,
    pub command: Option<String>,
    /// Native (init container with restartPolicy Always) or a regular container.
    pub native: bool,
    pub shared: Option<SharedVolume>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SharedVolume {
    pub volume: String,
    pub mount_path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Companion {
    pub name: String,
    pub image: String,
    pub port: Option<i32>,
    pub env: Vec<EnvVar>,
    /// Whole existing Secrets/ConfigMaps exposed as environment (`envFrom`).
    pub env_from: Vec<EnvFromRef>,
    pub resources: Resources,
    pub volumes: Vec<Volume>,
    /// Another service or infra decision this container waits for.
    pub depends_on: Option<String>,
    pub depends_on_port: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeshProvider {
    Istio,
    Linkerd,
    Consul,
    Kuma,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    pub provider: MeshProvider,
    pub proxy_cpu_request: Option<String>,
    pub proxy_cpu_limit: Option<String>,
    pub proxy_mem_request: Option<String>,
    pub proxy_mem_limit: Option<String>,
    pub exclude_inbound: Option<String>,
    pub exclude_outbound: Option<String>,
    pub log_level: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Autoscaling {
    pub min_replicas: i32,
    pub max_replicas: i32,
    pub target_cpu: Option<i32>,
    pub target_memory: Option<i32>,
}
