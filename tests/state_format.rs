//! The state as a format of its own (issue 15), through the built binary:
//! references to existing Secrets and ConfigMaps in the environment (and
//! the web wizard's forms of `env`), the JSON Schema `kubectl wizard
//! schema` prints (checked against the reader on every fixture), and
//! `kubectl wizard explain`.

mod common;
#[path = "support/json_schema.rs"]
mod json_schema;
mod support;

use std::path::Path;

use common::{example, parse_stream, status, stderr, stdout, wizard, StateDir};
use json_schema::Validator;
use kubectl_wizard::state::fields;
use serde_json::{json, Value};

// ---------------------------------------------------------------------
// References to existing objects

const REFERENCES: &str = r#"
namespace: shop
_services:
  - name: api
    image: "api:1"
    envVars:
      - {key: MODE, type: plain, value: fast}
      - {name: DB_PASSWORD, secretName: db-credentials, secretKey: password}
      - {name: LOG_LEVEL, configMapName: app-settings, configMapKey: log-level}
      - {name: API_TOKEN, secretName: tokens, optional: true}
      - {secretName: shared-env, prefix: SHARED_}
      - {configMapName: feature-flags, optional: true}
      - {key: SESSION_KEY, type: secret}
    companions:
      - name: worker
        image: "worker:1"
        env:
          QUEUE: jobs
          RETRIES: 3
          BROKER_PASSWORD: {secretName: broker, secretKey: password}
"#;

fn containers(docs: &[Value], kind: &str, name: &str) -> Vec<Value> {
    let workload = common::find(docs, kind, name);
    workload["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers")
        .clone()
}

#[test]
fn each_kind_of_reference_renders_its_value_from_or_env_from() {
    let docs = common::render_stream(REFERENCES, &[]);
    let pod = containers(&docs, "Deployment", "api");
    assert_eq!(
        pod[0]["envFrom"],
        json!([
            {"prefix": "SHARED_", "secretRef": {"name": "shared-env"}},
            {"configMapRef": {"name": "feature-flags", "optional": true}},
            {"configMapRef": {"name": "api-config"}},
        ])
    );
    assert_eq!(
        pod[0]["env"],
        json!([
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "password"}}},
            {"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "app-settings", "key": "log-level"}}},
            // The key defaults to the variable's name.
            {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "tokens", "key": "API_TOKEN", "optional": true}}},
            {"name": "SESSION_KEY", "valueFrom": {"secretKeyRef": {"name": "api-secrets", "key": "SESSION_KEY"}}},
        ])
    );
    // The state's own values still go to its ConfigMap and Secret; the
    // referenced objects are not generated.
    assert_eq!(
        common::find(&docs, "ConfigMap", "api-config")["data"],
        json!({"MODE": "fast"})
    );
    assert_eq!(
        common::find(&docs, "Secret", "api-secrets")["stringData"],
        json!({"SESSION_KEY": "CHANGE_ME"})
    );
    for (kind, name) in [
        ("Secret", "db-credentials"),
        ("ConfigMap", "app-settings"),
        ("Secret", "shared-env"),
        ("ConfigMap", "feature-flags"),
    ] {
        assert!(
            !common::has(&docs, kind, name),
            "{kind} {name} is generated"
        );
    }
    // The companion's map-form env: plain values and a reference.
    assert_eq!(
        pod[1]["env"],
        json!([{"name": "BROKER_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "broker", "key": "password"}}}])
    );
    assert_eq!(
        pod[1]["envFrom"],
        json!([{"configMapRef": {"name": "api-worker-config"}}])
    );
    assert_eq!(
        common::find(&docs, "ConfigMap", "api-worker-config")["data"],
        json!({"QUEUE": "jobs", "RETRIES": "3"})
    );
}

#[test]
fn the_web_wizards_forms_are_read_without_warnings() {
    // `env` as a map, `type: plain` and the `name` alias: before, `env` was
    // an unknown key and the variables were lost.
    let dir = StateDir::new(
        r#"
_services:
  - name: web
    image: "nginx:1.27"
    env: {LOG_LEVEL: debug, WORKERS: 4}
  - name: job
    kind: Job
    image: "busybox:1.36"
    envVars:
      - {name: TARGET, type: plain, value: prod}
"#,
    );
    let out = dir.run(&["render", "-f", "state.yaml", "-o", "yaml", "--strict"]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let docs = parse_stream(&stdout(&out));
    assert_eq!(
        common::find(&docs, "ConfigMap", "web-config")["data"],
        json!({"LOG_LEVEL": "debug", "WORKERS": "4"})
    );
    assert_eq!(
        common::find(&docs, "ConfigMap", "job-config")["data"],
        json!({"TARGET": "prod"})
    );
}

#[test]
fn bad_references_are_errors_naming_their_path() {
    let dir = StateDir::new(
        r#"
_services:
  - name: web
    image: "nginx:1.27"
    envVars:
      - {name: A, secretName: Bad_Name}
      - {name: B, configMapName: settings, configMapKey: "a/b"}
      - {name: C, secretName: s, configMapName: c}
      - {name: D, secretKey: password}
      - {name: "E:F", secretName: s}
      - {secretName: whole, secretKey: k}
"#,
    );
    let out = dir.run(&["validate", "-f", "state.yaml"]);
    let err = stderr(&out);
    assert_eq!(status(&out), 2, "{err}");
    for (path, fragment) in [
        (
            "_services[0].envVars[0].secretName",
            "found \"Bad_Name\"; expected a Kubernetes object name",
        ),
        (
            "_services[0].envVars[1].configMapKey",
            "found \"a/b\"; expected a ConfigMap/Secret key",
        ),
        (
            "_services[0].envVars[2].configMapName",
            "found both secretName and configMapName",
        ),
        (
            "_services[0].envVars[3].secretKey",
            "found secretKey without secretName",
        ),
        ("_services[0].envVars[4].name", "found \"E:F\""),
        (
            "_services[0].envVars[5].secretKey",
            "found secretKey without a variable name",
        ),
    ] {
        let line = format!("error: {path}: ");
        assert!(
            err.lines()
                .any(|l| l.starts_with(&line) && l.contains(fragment)),
            "no error at {path} with {fragment:?}:\n{err}"
        );
    }
}

// ---------------------------------------------------------------------
// diff/apply: referenced objects missing from the namespace

const KUBECTL: &str = "/usr/bin/kubectl";

fn kubectl(env: &support::Sandbox, args: &[&str]) {
    let out = std::process::Command::new(KUBECTL)
        .args(args)
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .env_remove("KUBECONFIG")
        .env("HOME", env.dir.path())
        .output()
        .expect("kubectl runs");
    assert!(out.status.success(), "kubectl {args:?}: {}", stderr(&out));
}

fn wizard_on(env: &support::Sandbox, args: &[&str]) -> std::process::Output {
    wizard()
        .args(args)
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .env_remove("KUBECONFIG")
        .env("HOME", env.dir.path())
        .output()
        .expect("the binary runs")
}

fn list_requests(env: &support::Sandbox, plural: &str) -> usize {
    let path = format!("/api/v1/namespaces/shop/{plural}");
    env.server
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.split('?').next() == Some(path.as_str()))
        .count()
}

#[test]
fn diff_and_apply_warn_about_missing_referenced_objects_with_one_list_per_kind() {
    let env = support::Sandbox::start_with(support::ServerOptions::default());
    kubectl(&env, &["create", "namespace", "shop"]);
    kubectl(
        &env,
        &[
            "create",
            "secret",
            "generic",
            "db-credentials",
            "-n",
            "shop",
            "--from-literal=password=s3cret",
        ],
    );
    kubectl(
        &env,
        &[
            "create",
            "secret",
            "generic",
            "shared-env",
            "-n",
            "shop",
            "--from-literal=A=1",
        ],
    );
    let state = env.path("state.yaml");
    std::fs::write(&state, REFERENCES).unwrap();
    let state = state.to_str().unwrap();
    env.server.reset_requests();

    let out = wizard_on(&env, &["diff", "-f", state]);
    let err = stderr(&out);
    assert_eq!(status(&out), 1, "the objects are new: {err}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(
        warnings,
        [
            "warning: _services[0]: container api reads ConfigMap feature-flags, which does not exist in namespace shop; the reference is optional, so the container starts without those variables",
            "warning: _services[0]: container api reads ConfigMap app-settings, which does not exist in namespace shop; the pod will not start until it exists",
            "warning: _services[0]: container api reads Secret tokens, which does not exist in namespace shop; the reference is optional, so the container starts without those variables",
            "warning: _services[0]: container worker reads Secret broker, which does not exist in namespace shop; the pod will not start until it exists",
        ],
        "{err}"
    );
    // Four missing, two present, six references: one list per kind,
    // whatever their number, and the same list that diff reads the live
    // objects of the set from (not a second one).
    assert_eq!(list_requests(&env, "secrets"), 1);
    assert_eq!(list_requests(&env, "configmaps"), 1);

    // Apply warns the same way and still applies (a warning, not an error),
    // also from one list per kind (the ApplySet parent among the Secrets).
    env.server.reset_requests();
    let out = wizard_on(&env, &["apply", "-f", state]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert_eq!(list_requests(&env, "secrets"), 1);
    assert_eq!(list_requests(&env, "configmaps"), 1);
    assert_eq!(
        stderr(&out)
            .lines()
            .filter(|l| l.starts_with("warning: "))
            .count(),
        4
    );

    // Once the objects exist, nothing is said.
    kubectl(
        &env,
        &[
            "create",
            "configmap",
            "app-settings",
            "-n",
            "shop",
            "--from-literal=log-level=info",
        ],
    );
    kubectl(
        &env,
        &["create", "configmap", "feature-flags", "-n", "shop"],
    );
    kubectl(
        &env,
        &["create", "secret", "generic", "tokens", "-n", "shop"],
    );
    kubectl(
        &env,
        &["create", "secret", "generic", "broker", "-n", "shop"],
    );
    let out = wizard_on(&env, &["diff", "-f", state]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

// ---------------------------------------------------------------------
// The JSON Schema

fn schema_text() -> String {
    let out = wizard().arg("schema").output().expect("the binary runs");
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    stdout(&out)
}

fn validator() -> Validator {
    let schema: Value = serde_json::from_str(&schema_text()).expect("the schema is JSON");
    Validator::new(schema).unwrap_or_else(|problems| panic!("{problems:#?}"))
}

#[test]
fn schema_is_draft_2020_12_and_has_every_field_the_reader_knows() {
    let schema: Value = serde_json::from_str(&schema_text()).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    // Every field of every table the reader reads with, by name and under
    // its table's definition, with a type and a description.
    let mut in_schema = 0;
    for table in fields::tables() {
        let properties = if table.id == fields::ROOT.id {
            &schema["properties"]
        } else {
            &schema["$defs"][table.id]["properties"]
        };
        let properties = properties
            .as_object()
            .unwrap_or_else(|| panic!("{}", table.id));
        in_schema += properties.len();
        for field in table.fields() {
            let property = &properties[field.name];
            assert!(
                property.get("type").is_some()
                    || property.get("enum").is_some()
                    || property.get("$ref").is_some(),
                "{}.{} has no type",
                table.id,
                field.name
            );
            assert!(
                property["description"].is_string() || property.get("$ref").is_some(),
                "{}.{}",
                table.id,
                field.name
            );
        }
    }
    assert_eq!(in_schema, fields::count());
    // The number the reader knows: 19 tables, from the document's 2 keys
    // to the Longhorn settings' 2, then an environment's 4, a service
    // override's 6 and the autoscaler bounds' 2.
    assert_eq!(
        fields::count(),
        2 + 8 + 51 + 51 + 10 + 9 + 11 + 3 + 6 + 13 + 9 + 5 + 5 + 16 + 2 + 5 + 4 + 6 + 2
    );
    // Enumerations, defaults and what a field becomes come along.
    let size = &schema["$defs"]["volumeClaimTemplate"]["properties"]["size"];
    assert_eq!(size["default"], "1Gi");
    assert!(size["description"]
        .as_str()
        .unwrap()
        .contains("spec.volumeClaimTemplates[].spec.resources.requests.storage"));
    let kinds = &schema["$defs"]["service"]["properties"]["kind"]["enum"];
    assert_eq!(
        kinds,
        &json!([
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "Job",
            "CronJob",
            "",
            null
        ])
    );
}

#[test]
fn the_published_schema_is_what_the_command_prints() {
    let published = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/state.schema.json");
    let published = std::fs::read_to_string(&published).expect("docs/state.schema.json exists");
    assert!(
        published == schema_text(),
        "docs/state.schema.json is stale: run `cargo run -- schema -o docs/state.schema.json`"
    );
}

#[test]
fn schema_o_writes_the_file() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = wizard()
        .current_dir(dir.path())
        .args(["schema", "-o", "state.schema.json"])
        .output()
        .unwrap();
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let written = std::fs::read_to_string(dir.path().join("state.schema.json")).unwrap();
    assert_eq!(written, schema_text());
}

/// States the reader accepts (besides the examples).
const VALID: &[&str] = &[
    REFERENCES,
    "_services: []",
    "kubernetes: null\nname: My Project",
    "name: shop\nkubernetes:\n  namespace: shop\n  _services: [{name: web, image: \"nginx:1.27\", port: \"80\"}]",
    "_services: [{name: web, image: nginx, port: 80, replicas: \"2\", strategy: Recreate, serviceType: NodePort, unknownKey: 1, _ui: x}]",
    "_services: [{name: cron, kind: CronJob, image: busybox, schedule: \"*/5 * * * *\", args: \"a b\", suspend: \"true\", concurrencyPolicy: Forbid}]",
    "_services: [{name: job, kind: Job, image: busybox, args: [a, 1], backoffLimit: 0, restartPolicy: OnFailure}]",
    "_services: [{name: ds, kind: DaemonSet, image: agent, nodeSelector: {disk: ssd}, tolerations: [{operator: Exists}], maxUnavailable: \"25%\"}]",
    "_services: [{name: ds, kind: DaemonSet, image: agent, nodeSelector: \"disk=ssd, zone=a\"}]",
    "_services: [{name: db, kind: StatefulSet, image: postgres, port: 5432, volumeClaimTemplates: [{name: data, mountPath: /data, size: 5Gi}], autoscaling: {enabled: true, minReplicas: 1, maxReplicas: 3, targetCPU: 70}}]",
    "_services: [{name: web, image: nginx, resources: {cpu_request: 100m, memory_limit: 1Gi}, cpuLimit: 1, readinessProbe: {type: tcp, port: 80}, livenessProbe: {enabled: false}}]",
    "_services: [{name: web, image: nginx, volumes: [{type: emptyDir, mountPath: /tmp, medium: Memory}, {name: data, type: pvc-dynamic, mountPath: /data, storageClass: longhorn, longhornConfig: {replicas: 2, dataLocality: best-effort}}, {type: configMap, configMapName: cfg, mountPath: /etc/cfg, key: app.conf}]}]",
    "_services: [{name: web, image: nginx, mesh: {provider: istio, excludeInbound: [8080, 9090], logLevel: debug}, sidecars: [{name: log, image: fluent-bit, sharedVolume: logs, sharedMount: /logs}], initContainers: [{name: init, image: busybox, command: \"true\"}]}]",
    "_services: [{name: web, image: nginx, dependencies: [db]}]\n_infraDecisions: [{name: db, kind: Managed, envVars: [{key: URL, value: \"postgres://db\"}], providerNotes: RDS}, {name: search, kind: Skip}]",
    "infraDecisions: [{name: cache, kind: StatefulSet, image: \"redis:7\", port: 6379, volumes: [{name: data, type: pvc-dynamic, mountPath: /data, size: 1Gi}]}]",
    "_services: [{name: web, image: nginx, envVars: [{key: A, type: variable}, {key: B, type: secret}, {key: \"\", value: skipped}, null]}]",
    "namespace: \"\"\noutput_dir: out/\ningress: shop.example.com\n_services: [{name: web, image: nginx, port: 80, maxSurge: 2, maxUnavailable: \"1\"}]",
];

/// States the reader rejects for reasons the schema can express, with a
/// path the schema's complaint must name.
const INVALID: &[(&str, &str)] = &[
    ("_services: [{name: web, image: nginx, port: \"80a\"}]", "_services[0].port"),
    ("_services: [{name: web, image: nginx, port: 70000}]", "_services[0].port"),
    ("_services: [{name: web, image: nginx, kind: Pod}]", "_services[0].kind"),
    ("_services: [{name: web, image: nginx, replicas: -1}]", "_services[0].replicas"),
    ("_services: [{name: web}]", "_services[0]: `image` is required"),
    ("_services: [{image: nginx}]", "_services[0]: `name` is required"),
    ("_services: [{name: Web_1, image: nginx}]", "_services[0].name"),
    ("_services: [{name: db, kind: StatefulSet, image: pg, volumeClaimTemplates: [{name: data, mountPath: /data, size: 10GB}]}]", "_services[0].volumeClaimTemplates[0].size"),
    ("_services: [{name: db, kind: StatefulSet, image: pg, volumeClaimTemplates: [{name: data, mountPath: data}]}]", "_services[0].volumeClaimTemplates[0].mountPath"),
    ("_services: [{name: web, image: nginx, volumes: [{type: nfs, mountPath: /x}]}]", "_services[0].volumes[0].type"),
    ("_services: [{name: web, image: nginx, volumes: [{type: pvc-dynamic, mountPath: /x}]}]", "_services[0].volumes[0]: `name` is required"),
    ("_services: [{name: cron, kind: CronJob, image: busybox}]", "_services[0]: `schedule` is required"),
    ("_infraDecisions: [{name: db}]", "_infraDecisions[0]: `kind` is required"),
    ("_infraDecisions: [{name: db, kind: StatefulSet}]", "_infraDecisions[0]: `image` is required"),
    ("_services: [{name: web, image: nginx, envVars: 5}]", "_services[0].envVars"),
    ("_services: [{name: web, image: nginx, envVars: [{name: A, secretName: Bad_Name}]}]", "_services[0].envVars[0].secretName"),
    ("_services: [{name: web, image: nginx, env: {A: [1]}}]", "_services[0].env.A"),
    ("_services: [{name: web, image: nginx, strategy: Bogus}]", "_services[0].strategy"),
    ("_services: [{name: ds, kind: DaemonSet, image: a, hostNetwork: \"yes\"}]", "_services[0].hostNetwork"),
    ("_services: [{name: web, image: nginx, autoscaling: {enabled: true, minReplicas: 0}}]", "_services[0].autoscaling.minReplicas"),
    ("_services: [{name: web, image: nginx, readinessProbe: {type: exec}}]", "_services[0].readinessProbe: `command` is required"),
    ("_services: [{name: web, image: nginx, resources: {cpu_request: lots}}]", "_services[0].resources.cpu_request"),
    ("_services: [{name: web, image: nginx, dependencies: [1]}]", "_services[0].dependencies[0]"),
    ("_services: {name: web}", "_services"),
    ("namespace: Shop", "namespace"),
    ("kubernetes: {_services: [{name: web, image: nginx, port: 0}]}", "kubernetes._services[0].port"),
];

fn reader_accepts(state: &str) -> (bool, String) {
    let dir = StateDir::new(state);
    let out = dir.run(&["validate", "-f", "state.yaml"]);
    (status(&out) == 0, stderr(&out))
}

fn as_json(state: &str) -> Value {
    common::parse_yaml(state)
}

#[test]
fn the_schema_accepts_every_valid_fixture_and_example() {
    let validator = validator();
    let mut states: Vec<(String, String)> = VALID
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("VALID[{i}]"), s.to_string()))
        .collect();
    for name in ["deployment.yaml", "statefulset.yaml", "multi-service.yaml"] {
        states.push((name.into(), std::fs::read_to_string(example(name)).unwrap()));
    }
    // A state as `init` writes it: the schema line first.
    states.push((
        "init".into(),
        format!(
            "{}\n_services: [{{name: web, image: nginx}}]\n",
            kubectl_wizard::state::schema::modeline()
        ),
    ));
    assert!(states.len() >= 20);
    for (name, state) in &states {
        let (accepted, err) = reader_accepts(state);
        assert!(accepted, "{name}: the reader rejects it:\n{err}");
        let errors = validator.validate(&as_json(state));
        assert!(
            errors.is_empty(),
            "{name}: the schema rejects it: {errors:#?}"
        );
    }
}

#[test]
fn the_schema_rejects_every_invalid_fixture_where_the_reader_does() {
    let validator = validator();
    for (state, path) in INVALID {
        let (accepted, _) = reader_accepts(state);
        assert!(!accepted, "the reader accepts {state}");
        let errors = validator.validate(&as_json(state));
        assert!(
            errors.iter().any(|e| e.starts_with(path)),
            "the schema does not reject {state} at {path}: {errors:#?}"
        );
    }
}

// ---------------------------------------------------------------------
// explain

fn explain(args: &[&str]) -> std::process::Output {
    wizard()
        .arg("explain")
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn explain_a_claim_template_size_in_kubectl_explains_shape() {
    for path in [
        "_services.volumeClaimTemplates.size",
        "services.volumeClaimTemplates.size",
        "_services[0].volumeClaimTemplates[0].size",
    ] {
        let out = explain(&[path]);
        assert_eq!(status(&out), 0, "{}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.starts_with("KIND:       State\nVERSION:    kubectl-wizard/"),
            "{text}"
        );
        for fragment in [
            "\nFIELD: size <quantity>\n",
            "\nPATH:  _services.volumeClaimTemplates.size\n",
            "\nDESCRIPTION:\n    Size of each pod's claim (above zero).\n",
            "\nALLOWED VALUES:\n    a Kubernetes quantity such as 10Gi, 512Mi, 500m or 0.5\n",
            "\nDEFAULT:\n    1Gi\n",
            "\nBECOMES:\n    StatefulSet spec.volumeClaimTemplates[].spec.resources.requests.storage\n",
        ] {
            assert!(text.contains(fragment), "{path}: no {fragment:?} in\n{text}");
        }
    }
}

#[test]
fn explain_every_top_level_field() {
    for field in fields::STATE.fields() {
        let out = explain(&[field.name]);
        assert_eq!(status(&out), 0, "{}: {}", field.name, stderr(&out));
        let text = stdout(&out);
        // An alias (`services`) explains the field it names.
        let shown = field.alias_of.unwrap_or(field.name);
        assert!(
            text.contains(&format!("\nFIELD: {shown} <")),
            "{}:\n{text}",
            field.name
        );
        assert!(text.contains("\nDESCRIPTION:\n    "), "{text}");
    }
    let out = explain(&["_services"]);
    let text = stdout(&out);
    assert!(text.contains("\nFIELD: _services <[]Service>\n"), "{text}");
    assert!(text.contains("\nFIELDS:\n  kind\t<string>\n"), "{text}");
    assert!(text.contains("\n  name\t<string> -required-\n"), "{text}");
    // The state itself, without a field.
    let text = stdout(&explain(&[]));
    assert!(
        text.contains("\nFIELDS:\n  namespace\t<string>\n"),
        "{text}"
    );
}

#[test]
fn explain_recursive_lists_the_tree() {
    let out = explain(&["_services.envVars", "--recursive"]);
    assert_eq!(status(&out), 0);
    let text = stdout(&out);
    let fields_part = text.split("\nFIELDS:\n").nth(1).expect("a FIELDS section");
    let names: Vec<&str> = fields_part
        .lines()
        .map(|l| l.trim_start().split('\t').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "key",
            "name",
            "type",
            "value",
            "varName",
            "secretName",
            "secretKey",
            "configMapName",
            "configMapKey",
            "optional",
            "prefix"
        ]
    );
    let text = stdout(&explain(&["--recursive"]));
    assert!(
        text.contains("\n  _services\t<[]Service>\n    kind\t<string>\n"),
        "{text}"
    );
    assert!(text.contains("\n    volumeClaimTemplates\t<[]VolumeClaimTemplate>\n      name\t<string> -required-\n"), "{text}");
    assert!(
        text.contains("\n        dataLocality\t<string>\n"),
        "{text}"
    );
}

#[test]
fn explain_of_an_unknown_field_names_the_path_and_the_nearest() {
    let out = explain(&["_services.volumeClaimTemplate.size"]);
    assert_eq!(status(&out), 2);
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(
        err.starts_with("error: field `volumeClaimTemplate` does not exist in `_services`; did you mean `volumeClaimTemplates`? (known fields: kind, name, image,"),
        "{err}"
    );
    let out = explain(&["replicas"]);
    assert_eq!(status(&out), 2);
    assert!(stderr(&out).starts_with("error: field `replicas` does not exist in the state (known fields: namespace, output_dir,"), "{}", stderr(&out));
}

// ---------------------------------------------------------------------
// render --explain

fn render_yaml(path: &Path, extra: &[&str]) -> String {
    let out = wizard()
        .args(["render", "-o", "yaml", "--include-secrets", "-f"])
        .arg(path)
        .args(extra)
        .output()
        .expect("the binary runs");
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    stdout(&out)
}

/// The text with the `  # …` comment cut from the end of every line.
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|line| line.rfind("  # ").map_or(line, |at| &line[..at]))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn render_explain_names_the_state_path_of_each_claim_template_field() {
    let path = example("statefulset.yaml");
    let explained = render_yaml(&path, &["--explain"]);
    let plain = render_yaml(&path, &[]);
    assert!(
        strip_comments(&explained) == plain,
        "comments removed, the output differs from -o yaml:\n{explained}"
    );
    assert_ne!(explained, plain);
    let lines: Vec<&str> = explained.lines().collect();
    for expected in [
        "  - apiVersion: v1  # rule: a claim template is a PersistentVolumeClaim",
        "      name: data  # _services[0].volumeClaimTemplates[0].name",
        "      - ReadWriteOnce  # _services[0].volumeClaimTemplates[0].accessMode",
        "          storage: 10Gi  # _services[0].volumeClaimTemplates[0].size",
        "      storageClassName: longhorn  # _services[0].volumeClaimTemplates[0].storageClass",
        "      name: logs  # _services[0].volumeClaimTemplates[1].name",
        "          storage: 5Gi  # _services[0].volumeClaimTemplates[1].size",
        "        - mountPath: /var/lib/data  # _services[0].volumeClaimTemplates[0].mountPath",
        "  replicas: 3  # _services[0].replicas",
        "  serviceName: api-headless  # _services[0].headlessServiceName",
        "  clusterIP: None  # rule: headless Service of a StatefulSet",
        "        image: api:latest  # _services[0].image",
        "          storage: 10Gi  # _services[0].volumeClaimTemplates[0].size",
        "  APP_ENV: production  # _services[0].envVars[0].value",
        "  namespace: production  # namespace",
    ] {
        assert!(
            lines.contains(&expected),
            "no line {expected:?} in\n{explained}"
        );
    }
    // Every scalar is explained, none by the fallback.
    assert!(!explained.contains("# rule: generated for"), "{explained}");
}

#[test]
fn render_explain_of_the_other_examples_strips_to_plain_yaml_and_says_what_is_default() {
    for name in ["deployment.yaml", "multi-service.yaml"] {
        let path = example(name);
        let explained = render_yaml(&path, &["--explain"]);
        assert!(
            strip_comments(&explained) == render_yaml(&path, &[]),
            "{name}: comments removed, the output differs from -o yaml:\n{explained}"
        );
    }
    // Left out: the tool's default, and where to set it.
    let dir = StateDir::new("_services: [{name: web, image: nginx, port: 80, volumes: [{name: data, type: pvc-dynamic, mountPath: /data}]}]");
    let out = dir.run(&["render", "-f", "state.yaml", "--show-origin"]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "  replicas: 1  # default (set _services[0].replicas)",
        "      storage: 10Gi  # default (set _services[0].volumes[0].size)",
        "  type: ClusterIP  # default (set _services[0].serviceType)",
        "  namespace: default  # default (set namespace)",
    ] {
        assert!(
            text.lines().any(|l| l == expected),
            "no line {expected:?} in\n{text}"
        );
    }
    let out = dir.run(&["render", "-f", "state.yaml", "-o", "json", "--explain"]);
    assert_eq!(status(&out), 2);
    assert!(
        stderr(&out).contains("--explain writes YAML comments"),
        "{}",
        stderr(&out)
    );
}
