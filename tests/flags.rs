//! kubectl's flags and habits, through the binary against the test API
//! server: connection and authentication flags (over HTTPS with the
//! server's own CA), `-v`, `--field-manager`, `apply -o`, several states
//! with `-f`, `--color`, `KUBECTL_EXTERNAL_DIFF`, namespace completion,
//! and answers too large to read.
//! With `KUBECTL_WIZARD_TEST_KUBECONFIG` set, the tests of `apply -o`,
//! several states, `--color` and `KUBECTL_EXTERNAL_DIFF` run against that
//! cluster (in a namespace of their own); those of TLS, credentials,
//! impersonation, `-v` and completion need the test server (its CA, its
//! request log, its address) and skip themselves there.

mod common;
mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{parse_stream, wizard};
use support::{Sandbox, ServerOptions, DEFAULT_TOKEN, TOKEN_USER};

const STATE: &str = "namespace: shop\n_services:\n  - name: web\n    kind: Deployment\n    image: nginx:1.27\n    port: \"80\"\n";

const SECRET_STATE: &str = "namespace: shop\n_services:\n  - name: web\n    kind: Deployment\n    image: nginx:1.27\n    envVars:\n      - {key: DB_PASSWORD, type: secret}\n";

/// The test server over HTTPS, or the real cluster (namespace `shop`
/// on the test server, the test's own there, not made beforehand).
fn https(allow_anonymous: bool) -> Sandbox {
    Sandbox::cluster_in(
        ServerOptions {
            tls: true,
            allow_anonymous,
            ..ServerOptions::default()
        },
        "shop",
    )
}

/// A state or an expected output with the namespace `shop` made the
/// test's own on a real cluster (unchanged on the test server).
fn local(env: &Sandbox, text: &str) -> String {
    if env.fake().is_some() {
        return text.to_string();
    }
    let mut text = text.to_string();
    for pattern in [
        "namespace: {}",
        "namespace/{}",
        "\"namespace\": \"{}\"",
        "/{}/",
    ] {
        text = text.replace(
            &pattern.replace("{}", "shop"),
            &pattern.replace("{}", &env.namespace),
        );
    }
    text
}

fn write(env: &Sandbox, name: &str, text: &str) -> PathBuf {
    let path = env.path(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("folder");
    }
    std::fs::write(&path, text).expect("write");
    path
}

fn run(env: &Sandbox, args: &[&str]) -> Output {
    run_with(&env.kubeconfig, args)
}

fn run_with(kubeconfig: &Path, args: &[&str]) -> Output {
    on(kubeconfig, args).output().expect("the binary runs")
}

/// The plugin with `--kubeconfig KC ARGS`, none of the caller's diff or
/// colour settings; a test adds its own environment before running it.
fn on(kubeconfig: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut command = wizard();
    command
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .env_remove("KUBECTL_EXTERNAL_DIFF")
        .env_remove("NO_COLOR");
    command
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

#[test]
fn https_checks_the_servers_certificate_against_the_ca() {
    let env = https(true);
    if !env.require_fake("checks the test server's own CA against another's") {
        return;
    }
    let state = write(&env, "state.yaml", STATE);
    // The kubeconfig carries the server's CA: the diff runs (1: all new).
    let ok = run(&env, &["diff", "-f", path(&state)]);
    assert_eq!(code(&ok), 1, "{}", stderr(&ok));

    // Another server's CA does not vouch for this one.
    let other = https(true);
    let wrong_ca = write(&env, "other-ca.pem", &other.server.ca_pem().unwrap());
    let refused = run(
        &env,
        &[
            "diff",
            "-f",
            path(&state),
            "--certificate-authority",
            path(&wrong_ca),
        ],
    );
    assert_eq!(code(&refused), 3, "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("cannot reach the cluster at https://127.0.0.1:")
            && stderr(&refused).contains(
                "the server's certificate is not trusted (invalid peer certificate: UnknownIssuer)"
            )
            && stderr(&refused).contains("--certificate-authority"),
        "{}",
        stderr(&refused)
    );

    // The right CA given as a file works too.
    let right_ca = write(&env, "ca.pem", &env.server.ca_pem().unwrap());
    let right = run(
        &env,
        &[
            "diff",
            "-f",
            path(&state),
            "--certificate-authority",
            path(&right_ca),
        ],
    );
    assert_eq!(code(&right), 1, "{}", stderr(&right));

    // --insecure-skip-tls-verify replaces the kubeconfig's trust setting.
    let insecure = run(
        &env,
        &[
            "diff",
            "-f",
            path(&state),
            "--certificate-authority",
            path(&wrong_ca),
            "--insecure-skip-tls-verify",
        ],
    );
    assert_eq!(code(&insecure), 1, "{}", stderr(&insecure));
}

#[test]
fn client_certificates_from_the_kubeconfig_authenticate() {
    let env = https(false);
    if !env.require_fake("a client certificate from the test server's CA, and its request log") {
        return;
    }
    env.server
        .write_kubeconfig_with_certificate(&env.kubeconfig, "test", "alice")
        .expect("kubeconfig");
    let state = write(&env, "state.yaml", STATE);
    let applied = run(&env, &["apply", "-f", path(&state)]);
    assert_eq!(code(&applied), 0, "{}", stderr(&applied));
    let requests = env.server.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(request.client_certificate_user.as_deref(), Some("alice"));
        assert_eq!(request.bearer_token, None);
    }
}

#[test]
fn the_token_flag_overrides_the_kubeconfig_and_is_never_shown() {
    let env = https(false);
    if !env.require_fake("the test server's token and request log") {
        return;
    }
    env.server
        .write_kubeconfig_with(&env.kubeconfig, "test", "expired-token")
        .expect("kubeconfig");
    let state = write(&env, "state.yaml", STATE);

    let refused = run(&env, &["diff", "-f", path(&state)]);
    assert_eq!(code(&refused), 3);
    assert!(
        stderr(&refused).contains("rejected the credentials (401 Unauthorized"),
        "{}",
        stderr(&refused)
    );

    env.server.reset_requests();
    let with_flag = run(
        &env,
        &[
            "diff",
            "-f",
            path(&state),
            "--token",
            DEFAULT_TOKEN,
            "-v",
            "9",
        ],
    );
    assert_eq!(code(&with_flag), 1, "{}", stderr(&with_flag));
    assert!(env
        .server
        .requests()
        .iter()
        .all(|r| r.bearer_token.as_deref() == Some(DEFAULT_TOKEN)));
    let log = stderr(&with_flag);
    assert!(log.contains("\"Response\" verb="), "{log}");
    assert!(!log.contains(DEFAULT_TOKEN), "the token leaked: {log}");
    assert!(!log.to_lowercase().contains("authorization"), "{log}");
}

#[test]
fn no_credentials_go_to_a_plain_http_server() {
    let env = Sandbox::cluster_in(ServerOptions::default(), "shop");
    if !env.require_fake("a plain-http server and its request log") {
        return;
    }
    let state = write(&env, "state.yaml", STATE);
    // The kubeconfig has a token, and the flag gives another: like
    // kubectl, neither is sent over http://.
    let out = run(
        &env,
        &["apply", "-f", path(&state), "--token", "flag-token"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let requests = env.server.requests();
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|r| r.bearer_token.is_none()));

    // A server that wants credentials says 401, and we say why none went.
    let strict = Sandbox::start_with(ServerOptions {
        allow_anonymous: false,
        ..ServerOptions::default()
    });
    let refused = run(&strict, &["diff", "-f", path(&state)]);
    assert_eq!(code(&refused), 3);
    assert!(
        stderr(&refused).contains("no credentials were sent")
            && stderr(&refused).contains("plain http://"),
        "{}",
        stderr(&refused)
    );
}

/// kubectl talks to a plain-http server (`kubectl proxy`) on a machine
/// without a CA bundle; so must we: no system trust store is read for a
/// connection that has no TLS.
#[test]
fn a_plain_http_server_needs_no_system_trust_store() {
    let env = Sandbox::cluster_in(ServerOptions::default(), "shop");
    if !env.require_fake("a plain-http server") {
        return;
    }
    let state = write(&env, "state.yaml", STATE);
    let missing = env.dir.path().join("no-such-ca");
    let out = on(&env.kubeconfig, &["apply", "-f", path(&state)])
        // Where rustls looks for the system's certificates: nowhere.
        .env("SSL_CERT_FILE", &missing)
        .env("SSL_CERT_DIR", &missing)
        .output()
        .expect("the binary runs");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("deployment.apps/web created"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn impersonation_flags_become_headers() {
    let env = https(false);
    if !env.require_fake("reads the impersonation headers from the test server's request log") {
        return;
    }
    let state = write(&env, "state.yaml", STATE);
    let out = run(
        &env,
        &[
            "apply",
            "-f",
            path(&state),
            "--as",
            "alice",
            "--as-group",
            "dev",
            "--as-group",
            "ops",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let requests = env.server.requests();
    assert!(!requests.is_empty());
    for request in requests {
        assert_eq!(request.impersonate_user.as_deref(), Some("alice"));
        assert_eq!(request.impersonate_groups, ["dev", "ops"]);
        assert_eq!(request.bearer_token.as_deref(), Some(DEFAULT_TOKEN));
    }

    // Groups without a user: the server's 400, reported with the object.
    let out = run(&env, &["diff", "-f", path(&state), "--as-group", "dev"]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("without impersonating a user"),
        "{}",
        stderr(&out)
    );

    // The anonymous user of a plain-http server may impersonate no one.
    let plain = Sandbox::start_with(ServerOptions::default());
    let out = run(&plain, &["diff", "-f", path(&state), "--as", "alice"]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("cannot impersonate resource \"users\""),
        "{}",
        stderr(&out)
    );
    assert_eq!(TOKEN_USER, "test-user");
}

#[test]
fn server_cluster_and_user_flags_pick_or_override_kubeconfig_entries() {
    let env = https(false);
    if !env.require_fake("builds a kubeconfig from the test server's CA, address and token") {
        return;
    }
    let ca = support::apiserver::base64_encode(env.server.ca_pem().unwrap().as_bytes());
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n\
         - name: dead\n  cluster:\n    server: https://127.0.0.1:9\n    certificate-authority-data: {ca}\n\
         - name: live\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\n\
         users:\n- name: nobody\n  user:\n    token: wrong\n- name: admin\n  user:\n    token: {DEFAULT_TOKEN}\n\
         contexts:\n- name: main\n  context:\n    cluster: dead\n    user: nobody\n\
         current-context: main\n",
        url = env.server.url()
    );
    std::fs::write(&env.kubeconfig, kubeconfig).expect("kubeconfig");
    let state = write(&env, "state.yaml", STATE);

    let picked = run(
        &env,
        &[
            "diff",
            "-f",
            path(&state),
            "--cluster",
            "live",
            "--user",
            "admin",
        ],
    );
    assert_eq!(code(&picked), 1, "{}", stderr(&picked));

    let server = env.server.url();
    let overridden = run(
        &env,
        &[
            "diff",
            "-f",
            path(&state),
            "--server",
            &server,
            "--user",
            "admin",
        ],
    );
    assert_eq!(code(&overridden), 1, "{}", stderr(&overridden));

    let unknown = run(&env, &["diff", "-f", path(&state), "--user", "root"]);
    assert_eq!(code(&unknown), 3);
    assert!(
        stderr(&unknown).contains("user \"root\" not found in the kubeconfig")
            && stderr(&unknown).contains("known users: nobody, admin"),
        "{}",
        stderr(&unknown)
    );
}

#[cfg(unix)]
#[test]
fn a_credential_plugins_malformed_output_is_not_echoed() {
    use std::os::unix::fs::PermissionsExt;
    let env = https(false);
    if !env.require_fake("builds a kubeconfig from the test server's CA and address") {
        return;
    }
    let plugin = write(
        &env,
        "plugin.sh",
        "#!/bin/sh\necho '{\"kind\": \"ExecCredential\", \"status\": {\"token\": \"s3cr3t-plugin-token\"'\n",
    );
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let ca = support::apiserver::base64_encode(env.server.ca_pem().unwrap().as_bytes());
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\n\
         users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {plugin}\n      interactiveMode: Never\n\
         contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n",
        url = env.server.url(),
        plugin = plugin.display()
    );
    std::fs::write(&env.kubeconfig, kubeconfig).expect("kubeconfig");
    let state = write(&env, "state.yaml", STATE);
    let out = run(&env, &["diff", "-f", path(&state)]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("credential plugin"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("s3cr3t-plugin-token") && !stdout(&out).contains("s3cr3t"),
        "the plugin's token leaked: {}",
        stderr(&out)
    );
}

#[test]
fn verbose_logs_requests_and_masks_secret_bodies() {
    let env = https(true);
    if !env.require_fake("expects the test server's address in the log") {
        return;
    }
    let state = write(&env, "state.yaml", SECRET_STATE);
    // A live Secret, alone in its namespace: the list of Secrets is short
    // enough to be logged whole, so its value would show if not masked.
    kubectl_ok(&env, &["create", "namespace", "shop"]);
    kubectl_ok(
        &env,
        &[
            "create",
            "secret",
            "generic",
            "web-secrets",
            "-n",
            "shop",
            "--from-literal=DB_PASSWORD=live-password",
        ],
    );
    let quiet = run(&env, &["diff", "-f", path(&state)]);
    assert_eq!(code(&quiet), 1, "{}", stderr(&quiet));
    assert!(!stderr(&quiet).contains("\"Response\""));

    let six = run(&env, &["diff", "-f", path(&state), "-v", "6"]);
    let log = stderr(&six);
    let port = env.server.port();
    // diff lists each kind once (no read per object).
    let wanted = format!(
        "transport.rs] \"Response\" verb=\"GET\" url=\"https://127.0.0.1:{port}/apis/apps/v1/namespaces/shop/deployments"
    );
    assert!(
        log.lines()
            .any(|l| l.contains(&wanted) && l.contains("status=\"200 OK\" milliseconds=")),
        "{log}"
    );
    assert!(log.lines().all(|l| l.starts_with('I')), "{log}");
    assert!(!log.contains("Response Body"), "{log}");

    // The live value is in the list; a supplied value goes into the dry
    // run's request and its answer. Bodies are cut after 1,024 characters
    // at 8 (the answer's `data` comes later) and 10,240 at 9, as kubectl.
    let verbose = |level: &str| -> String {
        let out = on(
            &env.kubeconfig,
            &[level, "diff", "-f", path(&state), "--secrets-from-env"],
        )
        .env("DB_PASSWORD", "supplied-password")
        .output()
        .expect("the binary runs");
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        let log = stderr(&out);
        for value in [
            "live-password",
            "bGl2ZS1wYXNzd29yZA==",
            "supplied-password",
            "c3VwcGxpZWQtcGFzc3dvcmQ=",
            "Q0hBTkdFX01F",
        ] {
            assert!(!log.contains(value), "{value} in the log:\n{log}");
        }
        log
    };
    // Each body that holds a Secret value is shown with the key and `***`.
    let assert_masked = |log: &str, message: &str, kind: &str| {
        let shown: Vec<&str> = log
            .lines()
            .filter(|l| l.contains(&format!("\"{message}\" body=")))
            .filter(|l| l.contains(&format!(r#"\"kind\":\"{kind}\""#)))
            .collect();
        let masked = r#"\"data\":{\"DB_PASSWORD\":\"***\"}"#;
        assert!(
            !shown.is_empty() && shown.iter().all(|l| l.contains(masked)),
            "{message} of a {kind}: the value masked in each:\n{log}"
        );
    };
    let eight = verbose("--v=8");
    assert_masked(&eight, "Response Body", "SecretList");
    assert_masked(&eight, "Request Body", "Secret");
    assert!(eight.contains(" [truncated "), "{eight}");
    let nine = verbose("--v=9");
    assert_masked(&nine, "Response Body", "SecretList");
    assert_masked(&nine, "Request Body", "Secret");
    assert_masked(&nine, "Response Body", "Secret");
    assert!(!nine.contains(" [truncated "), "{nine}");
}

#[test]
fn field_manager_names_the_owner_of_applied_fields() {
    let env = https(true);
    if !env.require_fake(
        "reads the request log, and a real Deployment controller adds its own manager",
    ) {
        return;
    }
    let state = write(&env, "state.yaml", STATE);
    let out = run(
        &env,
        &["apply", "-f", path(&state), "--field-manager", "team-a"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let deployment = env
        .server
        .get("apps/v1", "Deployment", "shop", "web")
        .expect("applied");
    let managers: Vec<&str> = deployment["metadata"]["managedFields"]
        .as_array()
        .expect("managedFields")
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert_eq!(managers, ["team-a"]);
    let patches = |env: &Sandbox| -> Vec<String> {
        let requests = env.server.requests();
        let patches: Vec<String> = requests
            .into_iter()
            .filter(|r| r.method == "PATCH")
            .map(|r| r.path)
            .collect();
        assert!(!patches.is_empty(), "no PATCH was sent");
        patches
    };
    let sent = patches(&env);
    assert!(
        sent.iter().all(|p| p.contains("fieldManager=team-a")),
        "{sent:#?}"
    );

    // The default is kubectl-wizard, for diff as for apply (the same
    // values under another manager change nothing but managedFields,
    // which diff leaves out).
    env.server.reset_requests();
    let diff = run(&env, &["diff", "-f", path(&state)]);
    assert_eq!(code(&diff), 0, "{}", stdout(&diff));
    let sent = patches(&env);
    assert!(
        sent.iter()
            .all(|p| p.contains("fieldManager=kubectl-wizard")),
        "{sent:#?}"
    );
}

#[test]
fn apply_output_name_and_client_dry_run_objects() {
    let env = https(true);
    let state = write(&env, "state.yaml", &local(&env, STATE));
    let names = run(&env, &["apply", "-f", path(&state), "-o", "name"]);
    assert_eq!(code(&names), 0, "{}", stderr(&names));
    assert_eq!(
        stdout(&names),
        local(&env, "namespace/shop\nservice/web\ndeployment.apps/web\n")
    );

    // A client dry run sends nothing: against the test server (idle
    // beside a real cluster too), whose log stays empty.
    let idle = env.path("test-server-kubeconfig");
    env.server.write_kubeconfig(&idle).expect("kubeconfig");
    env.server.reset_requests();
    let yaml = run_with(
        &idle,
        &[
            "apply",
            "-f",
            path(&state),
            "--dry-run=client",
            "-o",
            "yaml",
        ],
    );
    assert_eq!(code(&yaml), 0, "{}", stderr(&yaml));
    assert!(
        env.server.requests().is_empty(),
        "client dry run sent nothing"
    );
    let rendered = wizard()
        .args(["render", "-o", "yaml", "-f", path(&state)])
        .output()
        .expect("render");
    // What render prints, plus the ApplySet label apply adds to every
    // object but the Namespace.
    let label = "    applyset.kubernetes.io/part-of: applyset-G3BhoYj8anC-VTON4w1VmD3s431mjOfTcUlr4yeQKpA-v1\n";
    assert_eq!(stdout(&yaml).matches(label).count(), 2);
    assert_eq!(stdout(&yaml).replace(label, ""), stdout(&rendered));
    let objects = parse_stream(&stdout(&yaml));
    assert_eq!(objects.len(), 3);
    assert_eq!(objects[2]["kind"], "Deployment");

    let json = run(
        &env,
        &[
            "apply",
            "-f",
            path(&state),
            "--dry-run=client",
            "-o",
            "json",
        ],
    );
    let list: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(3));
}

/// `kubectl --kubeconfig KC ARGS`, which must succeed.
fn kubectl_ok(env: &Sandbox, args: &[&str]) {
    let out = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(args)
        .output()
        .expect("kubectl runs");
    assert!(out.status.success(), "kubectl {args:?}: {}", stderr(&out));
}

/// What every printed object must be: the server's (uid, resourceVersion,
/// the stored fields), without managedFields; a Secret with its keys and
/// every value masked.
fn assert_server_objects(env: &Sandbox, objects: &[serde_json::Value], live_secret: &str) {
    let kinds: Vec<&str> = objects.iter().filter_map(|o| o["kind"].as_str()).collect();
    assert_eq!(kinds, ["Namespace", "Secret", "Deployment"], "{objects:?}");
    for object in objects {
        let metadata = &object["metadata"];
        assert!(metadata["uid"].is_string(), "not the server's: {object}");
        assert!(metadata["resourceVersion"].is_string(), "{object}");
        assert!(metadata.get("managedFields").is_none(), "{object}");
    }
    assert_eq!(
        objects[1]["data"],
        serde_json::json!({"DB_PASSWORD": "***"}),
        "Secret values are masked"
    );
    let stored = env
        .server
        .get("apps/v1", "Deployment", "shop", "web")
        .expect("stored");
    assert_eq!(objects[2]["metadata"]["uid"], stored["metadata"]["uid"]);
    // Defaulted by the server, never sent by the plugin.
    assert_eq!(objects[2]["spec"]["strategy"]["type"], "RollingUpdate");
    // The live value was kept, and never shown.
    let secret = env.server.get("v1", "Secret", "shop", "web-secrets");
    assert_eq!(secret.expect("stored")["data"]["DB_PASSWORD"], live_secret);
}

#[test]
fn apply_output_yaml_and_json_print_the_servers_objects_with_secret_values_masked() {
    let env = https(true);
    let state = write(&env, "state.yaml", SECRET_STATE);
    let first = run(&env, &["apply", "-f", path(&state)]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    // The real value, set the way people do; base64 of "live-value".
    let live = "bGl2ZS12YWx1ZQ==";
    kubectl_ok(
        &env,
        &[
            "patch",
            "secret",
            "web-secrets",
            "-n",
            "shop",
            "-p",
            &format!(r#"{{"data":{{"DB_PASSWORD":"{live}"}}}}"#),
        ],
    );

    // A real apply: only the objects on stdout, as a YAML stream.
    let yaml = run(&env, &["apply", "-f", path(&state), "-o", "yaml"]);
    assert_eq!(code(&yaml), 0, "{}", stderr(&yaml));
    let text = stdout(&yaml);
    assert!(
        !text.contains(live) && !text.contains("live-value"),
        "{text}"
    );
    assert!(
        !text.contains("unchanged") && !text.contains("object(s)"),
        "{text}"
    );
    assert_server_objects(&env, &parse_stream(&text), live);

    // A server dry run: the same, as a JSON List.
    let json = run(
        &env,
        &[
            "apply",
            "-f",
            path(&state),
            "--dry-run=server",
            "-o",
            "json",
        ],
    );
    assert_eq!(code(&json), 0, "{}", stderr(&json));
    let text = stdout(&json);
    assert!(!text.contains(live), "{text}");
    let list: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(list["kind"], "List");
    let items = list["items"].as_array().expect("items").clone();
    assert_server_objects(&env, &items, live);

    // A server dry run into a namespace that does not exist yet: the
    // Namespace as the server would create it, the rest as it would be
    // sent (the server cannot check them), the Secret still masked.
    let other = write(&env, "other.yaml", &SECRET_STATE.replace("shop", "fresh"));
    let unchecked = run(
        &env,
        &[
            "apply",
            "-f",
            path(&other),
            "--dry-run=server",
            "-o",
            "yaml",
        ],
    );
    assert_eq!(code(&unchecked), 0, "{}", stderr(&unchecked));
    let objects = parse_stream(&stdout(&unchecked));
    let kinds: Vec<&str> = objects.iter().filter_map(|o| o["kind"].as_str()).collect();
    assert_eq!(kinds, ["Namespace", "Secret", "Deployment"]);
    assert_eq!(objects[0]["metadata"]["name"], "fresh");
    assert!(objects[2]["metadata"].get("uid").is_none());
    let secret = serde_json::to_string(&objects[1]).unwrap();
    assert!(secret.contains(r#""DB_PASSWORD":"***""#), "{secret}");
    assert!(
        !secret.contains("CHANGE_ME") && !secret.contains("Q0hBTkdFX01F"),
        "{secret}"
    );
    assert!(env.server.get("v1", "Namespace", "", "fresh").is_none());
}

#[test]
fn several_states_merge_when_their_objects_do_not_clash() {
    let env = https(true);
    let a = write(&env, "states/a.yaml", &local(&env, STATE));
    let b = write(
        &env,
        "states/b.json",
        &local(
            &env,
            r#"{"namespace": "shop", "_services": [{"name": "api", "kind": "Deployment", "image": "api:1", "port": "8080"}]}"#,
        ),
    );
    write(&env, "states/notes.txt", "not a state");
    write(
        &env,
        "states/more/c.yml",
        "namespace: other\n_services:\n  - {name: web, kind: Deployment, image: nginx}\n",
    );

    // Two files: one set, the shared Namespace once, apply order kept.
    let out = run(
        &env,
        &["apply", "-f", path(&a), "-f", path(&b), "-o", "name"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        local(
            &env,
            "namespace/shop\nservice/web\nservice/api\ndeployment.apps/web\ndeployment.apps/api\n"
        )
    );

    // A folder: its *.yaml, *.yml and *.json files; -R adds sub-folders.
    let dir = env.path("states");
    let flat = run(
        &env,
        &["apply", "-f", path(&dir), "--dry-run=client", "-o", "name"],
    );
    assert_eq!(code(&flat), 0, "{}", stderr(&flat));
    assert_eq!(stdout(&flat).lines().count(), 5, "{}", stdout(&flat));
    let deep = run(
        &env,
        &[
            "apply",
            "-f",
            path(&dir),
            "-R",
            "--dry-run=client",
            "-o",
            "name",
        ],
    );
    assert_eq!(code(&deep), 0, "{}", stderr(&deep));
    assert!(
        stdout(&deep).contains("namespace/other"),
        "{}",
        stdout(&deep)
    );

    // The same Deployment from two states: refused, both files named.
    let clash = write(
        &env,
        "clash.yaml",
        &local(
            &env,
            "namespace: shop\n_services:\n  - {name: web, kind: Deployment, image: other}\n",
        ),
    );
    let out = run(&env, &["validate", "-f", path(&a), "-f", path(&clash)]);
    assert_eq!(code(&out), 2);
    let text = stderr(&out);
    assert!(
        text.contains(&local(&env, "Deployment/shop/web is generated by both"))
            && text.contains(path(&a))
            && text.contains(path(&clash)),
        "{text}"
    );

    // Errors of every file at once, each naming its file.
    let bad = write(
        &env,
        "bad.yaml",
        "namespace: shop\n_services:\n  - {name: x, kind: Deployment, image: y, port: 80a}\n",
    );
    let bad2 = write(
        &env,
        "bad2.yaml",
        "namespace: shop\n_services:\n  - {name: z, kind: Deployment, image: y, port: 90b}\n",
    );
    let out = run(&env, &["validate", "-f", path(&bad), "-f", path(&bad2)]);
    assert_eq!(code(&out), 2);
    let text = stderr(&out);
    assert!(
        text.contains(&format!("error: {}: _services[0].port", path(&bad)))
            && text.contains(&format!("error: {}: _services[0].port", path(&bad2))),
        "{text}"
    );

    let empty = env.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = run(&env, &["validate", "-f", path(&empty)]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("the folder holds no state files"));
}

#[test]
fn merged_states_render_into_one_folder_only_when_told_where() {
    let env = https(true);
    let a = write(&env, "a.yaml", &format!("{STATE}output_dir: out-a\n"));
    let b = write(
        &env,
        "b.yaml",
        "namespace: shop\noutput_dir: out-b\n_services:\n  - {name: api, kind: Deployment, image: api:1}\n",
    );
    let out = wizard()
        .current_dir(env.dir.path())
        .args(["render", "-f", path(&a), "-f", path(&b)])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("the states write to different output_dirs"),
        "{}",
        stderr(&out)
    );
    let out = wizard()
        .current_dir(env.dir.path())
        .args([
            "render",
            "-f",
            path(&a),
            "-f",
            path(&b),
            "--output-dir",
            "all",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let kustomization =
        std::fs::read_to_string(env.path("all/kustomization.yaml")).expect("kustomization");
    for file in [
        "namespace.yaml",
        "web-deployment.yaml",
        "api-deployment.yaml",
    ] {
        assert!(kustomization.contains(file), "{file}: {kustomization}");
        assert!(env.path("all").join(file).exists(), "{file}");
    }

    // Two namespaces in one folder: both would be namespace.yaml.
    let c = write(
        &env,
        "c.yaml",
        "namespace: other\n_services:\n  - {name: db, kind: Deployment, image: db:1}\n",
    );
    let out = wizard()
        .current_dir(env.dir.path())
        .args([
            "render",
            "-f",
            path(&a),
            "-f",
            path(&c),
            "--output-dir",
            "two",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("Namespace/shop (")
            && stderr(&out).contains("would both be written to namespace.yaml"),
        "{}",
        stderr(&out)
    );
    assert!(!env.path("two").exists(), "nothing written");
}

#[test]
fn color_flag_and_no_color() {
    let env = https(true);
    let state = write(&env, "state.yaml", &local(&env, STATE));
    let plain = run(&env, &["diff", "-f", path(&state)]);
    assert!(!stdout(&plain).contains('\x1b'), "piped: no colour");
    let forced = run(&env, &["diff", "-f", path(&state), "--color=always"]);
    assert!(stdout(&forced).contains("\x1b["), "{}", stdout(&forced));
    let never = on(
        &env.kubeconfig,
        &["diff", "-f", path(&state), "--color", "never"],
    )
    .output()
    .unwrap();
    assert!(!stdout(&never).contains('\x1b'));
}

#[test]
fn external_diff_gets_two_folders_and_its_status_is_passed_through() {
    let env = https(true);
    let state = write(&env, "state.yaml", &local(&env, STATE));
    let applied = run(&env, &["apply", "-f", path(&state)]);
    assert_eq!(code(&applied), 0, "{}", stderr(&applied));
    let changed = write(
        &env,
        "changed.yaml",
        &local(&env, &STATE.replace("nginx:1.27", "nginx:1.28")),
    );

    let diff_r = on(&env.kubeconfig, &["diff", "-f", path(&changed)])
        .env("KUBECTL_EXTERNAL_DIFF", "diff -r")
        .output()
        .unwrap();
    assert_eq!(code(&diff_r), 1, "{}", stderr(&diff_r));
    let text = stdout(&diff_r);
    assert!(
        text.contains(&format!("apps.v1.Deployment.{}.web", env.namespace))
            && text.contains("< ")
            && text.contains("nginx:1.27")
            && text.contains("> ")
            && text.contains("nginx:1.28"),
        "{text}"
    );
    let same = wizard()
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(["diff", "-f", path(&state)])
        .env("KUBECTL_EXTERNAL_DIFF", "diff -r")
        .output()
        .unwrap();
    assert_eq!(code(&same), 0, "{}", stdout(&same));

    // A script that records what it got and fails with 3.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let record = env.path("record.txt");
        let script = write(
            &env,
            "record.sh",
            &format!(
                "#!/bin/sh\necho \"$1\" > {r}\necho \"$2\" >> {r}\nls \"$1\" >> {r}\necho -- >> {r}\nls \"$2\" >> {r}\nexit 3\n",
                r = record.display()
            ),
        );
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let new = write(&env, "new.yaml", &STATE.replace("shop", "fresh"));
        let out = wizard()
            .arg("--kubeconfig")
            .arg(&env.kubeconfig)
            .args(["diff", "-f", path(&new)])
            .env("KUBECTL_EXTERNAL_DIFF", script.to_str().unwrap())
            .output()
            .unwrap();
        assert_eq!(code(&out), 3, "the program's status: {}", stderr(&out));
        let recorded = std::fs::read_to_string(&record).expect("the script ran");
        let lines: Vec<&str> = recorded.lines().collect();
        let live = Path::new(lines[0]);
        let merged = Path::new(lines[1]);
        assert!(live
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("LIVE-"));
        assert!(merged
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("MERGED-"));
        // Nothing lives yet: the LIVE folder is empty, MERGED has all three.
        assert_eq!(
            &lines[2..],
            [
                "--",
                "apps.v1.Deployment.fresh.web",
                "v1.Namespace..fresh",
                "v1.Service.fresh.web"
            ]
        );
        assert!(!live.exists() && !merged.exists(), "removed afterwards");
    }
}

#[test]
fn namespace_completion_lists_the_clusters_namespaces() {
    let env = https(true);
    if !env.require_fake(
        "completes the prefix s among the test server's namespaces and rewrites its port",
    ) {
        return;
    }
    let state = write(&env, "state.yaml", STATE);
    assert_eq!(code(&run(&env, &["apply", "-f", path(&state)])), 0);
    let kubeconfig = env.kubeconfig.to_str().unwrap();
    for binary in ["kubectl_complete-wizard", "kubectl-wizard"] {
        let mut command = assert_cmd::Command::cargo_bin(binary).unwrap();
        if binary == "kubectl-wizard" {
            command.arg("__complete");
        }
        let out = command
            .args(["diff", "--kubeconfig", kubeconfig, "-n", "s"])
            .output()
            .unwrap();
        let text = stdout(&out);
        assert_eq!(text, "shop\n:4\n", "{binary}: {text}");
    }

    // An unreachable cluster: nothing, quickly, no error text.
    let dead = env.path("dead-kubeconfig");
    std::fs::write(
        &dead,
        std::fs::read_to_string(&env.kubeconfig)
            .unwrap()
            .replace(&env.server.port().to_string(), "9"),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let out = assert_cmd::Command::cargo_bin("kubectl_complete-wizard")
        .unwrap()
        .args(["apply", "--kubeconfig", dead.to_str().unwrap(), "-n", ""])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), ":4\n");
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

/// Complete the line `line` (the cursor at its end) with the script of
/// `kubectl-wizard completion bash`, as bash would: the function that
/// `complete -p` names, called with COMP_LINE/COMP_POINT/COMP_WORDS/
/// COMP_CWORD set. Returns COMPREPLY, one per line.
fn bash_complete(line: &str) -> String {
    let binary = assert_cmd::cargo::cargo_bin("kubectl-wizard");
    let folder = binary.parent().expect("folder").to_str().expect("UTF-8");
    let script = r#"
        source <(kubectl-wizard completion bash) || exit 9
        spec=$(complete -p kubectl-wizard) || exit 8
        fn=${spec##*-F }; fn=${fn%% *}
        COMP_LINE=$1; COMP_POINT=${#COMP_LINE}
        read -ra COMP_WORDS <<< "$COMP_LINE"
        [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=("")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        "$fn" kubectl-wizard "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let out = std::process::Command::new("bash")
        .args(["--norc", "--noprofile", "-c", script, "bash", line])
        .env(
            "PATH",
            format!("{folder}:{}", std::env::var("PATH").unwrap_or_default()),
        )
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{out:?}");
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn the_static_bash_script_completes_namespaces_from_the_cluster() {
    let env = https(true);
    let state = write(&env, "state.yaml", STATE);
    assert_eq!(code(&run(&env, &["apply", "-f", path(&state)])), 0);
    let other = STATE.replace("shop", "staging");
    let other = write(&env, "other.yaml", &other);
    assert_eq!(code(&run(&env, &["apply", "-f", path(&other)])), 0);
    let kubeconfig = env.kubeconfig.to_str().unwrap();

    // After a subcommand, with the kubeconfig given on the line.
    let line = format!("kubectl-wizard diff --kubeconfig {kubeconfig} -n s");
    assert_eq!(bash_complete(&line), "shop\nstaging\n");
    let line = format!("kubectl-wizard apply --kubeconfig {kubeconfig} --namespace st");
    assert_eq!(bash_complete(&line), "staging\n");
    // Before any subcommand; the kubeconfig from KUBECONFIG is not asked
    // for here, so give it as `--kubeconfig=PATH` (one word to us, three
    // to bash).
    let line = format!("kubectl-wizard --kubeconfig={kubeconfig} -n ");
    let all = bash_complete(&line);
    assert!(
        all.lines().any(|l| l == "shop") && all.lines().any(|l| l == "staging"),
        "{all}"
    );
    // Other flags still complete as before.
    assert!(bash_complete("kubectl-wizard diff --kube").contains("--kubeconfig"));

    // An unreachable cluster: nothing, quickly, no error text (and no
    // file names in their place).
    let dead = env.path("dead-kubeconfig");
    std::fs::write(
        &dead,
        std::fs::read_to_string(&env.kubeconfig)
            .unwrap()
            .replace(&env.server.port().to_string(), "9"),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let line = format!("kubectl-wizard diff --kubeconfig {} -n ", dead.display());
    assert_eq!(bash_complete(&line), "\n");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

/// A server that answers every request with an endless 200 body.
fn endless_server(status: &str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let status = status.to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let status = status.clone();
            std::thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer);
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n"
                );
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = vec![b' '; 1 << 16];
                while stream.write_all(&chunk).is_ok() {}
            });
        }
    });
    port
}

#[test]
fn answers_larger_than_the_limit_are_not_read_whole() {
    let env = https(true);
    let state = write(&env, "state.yaml", STATE);
    let port = endless_server("200 OK");
    let server = format!("http://127.0.0.1:{port}");
    let out = run(
        &env,
        &[
            "diff",
            "-f",
            path(&state),
            "--server",
            &server,
            "--request-timeout",
            "60s",
        ],
    );
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the answer is larger than 16 MiB; stopped reading it"),
        "{}",
        stderr(&out)
    );

    let port = endless_server("500 Internal Server Error");
    let server = format!("http://127.0.0.1:{port}");
    let out = run(
        &env,
        &[
            "diff",
            "-f",
            path(&state),
            "--server",
            &server,
            "--request-timeout",
            "60s",
        ],
    );
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).len() < 64 * 1024,
        "{} bytes",
        stderr(&out).len()
    );
}

#[test]
fn server_and_token_flags_work_without_any_kubeconfig() {
    let env = https(false);
    if !env.require_fake("the test server's address, token and request log") {
        return;
    }
    let state = write(&env, "state.yaml", STATE);
    let home = env.path("empty-home");
    std::fs::create_dir_all(&home).unwrap();
    let server = env.server.url();
    let out = wizard()
        .env("HOME", &home)
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .args(["diff", "-f", path(&state), "--server", &server])
        .args(["--token", DEFAULT_TOKEN, "--insecure-skip-tls-verify"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(env
        .server
        .requests()
        .iter()
        .all(|r| r.bearer_token.as_deref() == Some(DEFAULT_TOKEN)));
}
