//! Environments: one state, an overlay per environment. The real
//! `kubectl kustomize` must build from each rendered overlay exactly the
//! objects `render --env NAME` prints; validation names the environment's
//! path; `--env` reaches diff and apply through the same build.

mod common;

use std::path::Path;
use std::process::Command;

use common::{assert_success, kubectl, parse_stream, render_state, wizard};
use serde_json::Value;
use tempfile::TempDir;

const STATE: &str = r#"
namespace: shop
ingress: shop.example.com
_services:
  - name: web
    image: ghcr.io/acme/web:1.0
    port: "8080"
    replicas: "2"
    resources: {cpu_request: 100m, cpu_limit: 500m}
    envVars:
      - {key: LOG_LEVEL, type: variable}
      - {key: APP_ENV, value: development}
      - {key: API_TOKEN, type: secret}
    autoscaling: {enabled: true, minReplicas: 2, maxReplicas: 4, targetCPU: 80}
  - name: db
    kind: StatefulSet
    image: postgres:16
    port: "5432"
    volumeClaimTemplates:
      - {name: data, mountPath: /var/lib/postgresql/data, size: 1Gi}
  - name: agent
    kind: DaemonSet
    image: ghcr.io/acme/agent:1.0
environments:
  - name: dev
    namespace: shop-dev
  - name: prod
    namespace: shop-prod
    ingress: shop.acme.com
    services:
      web:
        replicas: 5
        image: ghcr.io/acme/web:2.0
        resources: {cpu_limit: "1"}
        env: {APP_ENV: production, LOG_LEVEL: warn}
        autoscaling: {maxReplicas: 10}
      db: {resources: {memory_limit: 2Gi}}
  - name: local
    namespace: default
    services:
      - {name: web, replicas: 1}
"#;

fn write_state(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("state.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// What `render --env NAME -o yaml` prints (no `--env`: the base).
fn printed(state: &Path, env: Option<&str>) -> Vec<Value> {
    let mut command = wizard();
    command.args(["render", "-o", "yaml", "-f"]).arg(state);
    if let Some(env) = env {
        command.args(["--env", env]);
    }
    let output = command.output().unwrap();
    assert_success(&output);
    parse_stream(&String::from_utf8(output.stdout).unwrap())
}

fn kustomize(dir: &Path) -> Vec<Value> {
    let output = Command::new(kubectl())
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl runs");
    assert!(
        output.status.success(),
        "kubectl kustomize {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    parse_stream(&String::from_utf8(output.stdout).unwrap())
}

/// Objects by kind and name, for a comparison that ignores order.
fn by_id(objects: Vec<Value>) -> std::collections::BTreeMap<String, Value> {
    objects
        .into_iter()
        .map(|o| {
            let id = format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            );
            (id, o)
        })
        .collect()
}

#[test]
fn each_overlay_builds_with_kubectl_kustomize_to_what_render_env_prints() {
    let rendered = render_state(STATE, &[]);
    let names = rendered.names();
    assert!(names.contains(&"base/kustomization.yaml"), "{names:?}");
    assert!(
        names.contains(&"base/secrets/web-secrets.yaml"),
        "{names:?}"
    );
    let state = write_state(rendered.tmp.path(), STATE);
    let base = kustomize(&rendered.dir.join("base"));
    assert_eq!(by_id(base), by_id(printed(&state, None)), "the base");
    for env in ["dev", "prod", "local"] {
        assert!(
            names.contains(&format!("overlays/{env}/kustomization.yaml").as_str()),
            "{names:?}"
        );
        let built = by_id(kustomize(&rendered.dir.join("overlays").join(env)));
        let expected = by_id(printed(&state, Some(env)));
        assert_eq!(
            built.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "{env}: the objects"
        );
        for (id, object) in &expected {
            common::assert_tree_eq(&built[id], object, &format!("{env}: {id}"));
        }
    }
}

#[test]
fn an_environment_changes_exactly_its_overrides_and_namespace() {
    let tmp = TempDir::new().unwrap();
    let state = write_state(tmp.path(), STATE);
    let prod = by_id(printed(&state, Some("prod")));
    let web = &prod["Deployment/web"];
    assert_eq!(web["metadata"]["namespace"], "shop-prod");
    assert_eq!(web["spec"]["replicas"], 5);
    let container = &web["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "ghcr.io/acme/web:2.0");
    assert_eq!(container["resources"]["limits"]["cpu"], "1");
    assert_eq!(container["resources"]["requests"]["cpu"], "100m");
    let config = &prod["ConfigMap/web-config"]["data"];
    assert_eq!(config["APP_ENV"], "production");
    assert_eq!(config["LOG_LEVEL"], "warn");
    assert_eq!(
        prod["HorizontalPodAutoscaler/web"]["spec"]["maxReplicas"],
        10
    );
    assert_eq!(
        prod["HorizontalPodAutoscaler/web"]["spec"]["minReplicas"],
        2
    );
    let ingress = prod
        .iter()
        .find(|(id, _)| id.starts_with("Ingress/"))
        .unwrap()
        .1;
    assert_eq!(ingress["spec"]["rules"][0]["host"], "shop.acme.com");
    assert_eq!(prod["Namespace/shop-prod"]["kind"], "Namespace");
    // Without --env, the base is unchanged.
    let base = by_id(printed(&state, None));
    assert_eq!(base["Deployment/web"]["spec"]["replicas"], 2);
    assert_eq!(base["Deployment/web"]["metadata"]["namespace"], "shop");
    // An environment in the default namespace has no Namespace object.
    let local = by_id(printed(&state, Some("local")));
    assert!(
        !local.keys().any(|id| id.starts_with("Namespace/")),
        "{:?}",
        local.keys()
    );
}

#[test]
fn apply_and_diff_take_env_through_the_same_build() {
    let tmp = TempDir::new().unwrap();
    let state = write_state(tmp.path(), STATE);
    let output = wizard()
        .args([
            "apply",
            "--dry-run=client",
            "-o",
            "yaml",
            "--env",
            "prod",
            "-f",
        ])
        .arg(&state)
        .output()
        .unwrap();
    assert_success(&output);
    let sent = parse_stream(&String::from_utf8(output.stdout).unwrap());
    let web = sent
        .iter()
        .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == "web")
        .unwrap();
    assert_eq!(web["metadata"]["namespace"], "shop-prod");
    assert_eq!(web["spec"]["replicas"], 5);
}

fn validate(text: &str, extra: &[&str]) -> (Option<i32>, String) {
    let tmp = TempDir::new().unwrap();
    let state = write_state(tmp.path(), text);
    let output = wizard()
        .args(["validate", "-f"])
        .arg(&state)
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn overrides_are_checked_and_reported_at_the_environments_path() {
    let bad = STATE.replace(
        "      db: {resources: {memory_limit: 2Gi}}",
        "      db: {resources: {memory_limit: lots}, port: 5433}\n      agent: {replicas: 2}\n      cache: {image: redis:7}",
    )
    .replace("replicas: 5", "replicas: many")
    .replace("env: {APP_ENV: production, LOG_LEVEL: warn}", "env: {APP_ENV: production, API_TOKEN: x, NOPE: y}");
    let (code, stderr) = validate(&bad, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    for (path, says) in [
        ("environments[1].services.web.replicas", "\"many\""),
        (
            "environments[1].services.db.resources.memory_limit",
            "\"lots\"",
        ),
        ("environments[1].services.db.port", "cannot override `port`"),
        (
            "environments[1].services.agent.replicas",
            "DaemonSet has no replicas",
        ),
        ("environments[1].services.cache", "no service \"cache\""),
        ("environments[1].services.web.env.API_TOKEN", "secret entry"),
        ("environments[1].services.web.env.NOPE", "no env entry NOPE"),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&format!("error: {path}: ")) && l.contains(says)),
            "no error at {path} saying {says}:\n{stderr}"
        );
    }
}

#[test]
fn an_unknown_environment_is_a_usage_error_listing_the_known_ones() {
    let (code, stderr) = validate(STATE, &["--env", "staging"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr
            .contains("--env staging: the state has no such environment; it has: dev, prod, local"),
        "{stderr}"
    );
    let (code, stderr) = validate("namespace: shop\n_services: []\n", &["--env", "prod"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("the state has no environments"), "{stderr}");
}
