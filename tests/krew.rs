//! The krew manifests follow krew's rules: the committed
//! `krew-manifest.yaml` (the template a release fills in: krew-release-bot
//! renders it for krew-index, `scripts/dist.sh` for the archives it packs)
//! and the manifest `scripts/dist.sh` writes into `dist/` beside the
//! archive it packs, which must carry that archive's sha256 and Cargo.toml's
//! version. `dist.sh` writes nowhere else.
//!
//! krew itself is not available here, so the rules krew and krew-index apply
//! are checked directly.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const API_VERSION: &str = "krew.googlecontainertools.github.com/v1alpha2";
const OSES: [&str; 3] = ["linux", "darwin", "windows"];
const ARCHES: [&str; 2] = ["amd64", "arm64"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tag() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

fn parse(text: &str) -> Value {
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
    serde_json::to_value(yaml).unwrap()
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} is not a string in the manifest"))
}

/// Render the template as krew-release-bot does: `{{ .TagName }}` is the tag,
/// `{{ addURIAndSha "URL" .TagName | indent N }}` becomes `uri:` (the URL,
/// itself a template of the tag) and `sha256:` on the next line indented by
/// N, here with a stand-in checksum since no asset exists yet.
fn render_template(template: &str, tag: &str, sha256: &str) -> String {
    let mut out = String::new();
    for line in template.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if let Some(call) = trimmed.strip_prefix("{{ addURIAndSha \"") {
            let (url, rest) = call.split_once('"').unwrap();
            let pad: usize = rest
                .trim()
                .strip_prefix(".TagName | indent ")
                .and_then(|r| r.strip_suffix("}}"))
                .unwrap_or_else(|| panic!("unexpected addURIAndSha call: {line}"))
                .trim()
                .parse()
                .unwrap();
            assert_eq!(pad, indent.len(), "indent must match the column: {line}");
            let url = url.replace("{{ .TagName }}", tag);
            out.push_str(&format!("{indent}uri: {url}\n{indent}sha256: {sha256}\n"));
        } else {
            let line = line.replace("{{ .TagName }}", tag);
            assert!(!line.contains("{{"), "unsupported template action: {line}");
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// krew's rules (and krew-index's) for a manifest; returns the platforms as
/// `os-arch` → (uri, sha256, files' `from`).
fn check_manifest(manifest: &Value) -> Vec<(String, String, String, Vec<String>)> {
    assert_eq!(str_at(manifest, "/apiVersion"), API_VERSION);
    assert_eq!(str_at(manifest, "/kind"), "Plugin");
    assert_eq!(str_at(manifest, "/metadata/name"), "wizard");

    let version = str_at(manifest, "/spec/version");
    assert!(is_semver_with_v(version), "spec.version {version:?}");
    assert_eq!(version, tag(), "spec.version is not Cargo.toml's version");
    assert_eq!(
        str_at(manifest, "/spec/homepage"),
        env!("CARGO_PKG_REPOSITORY")
    );

    let short = str_at(manifest, "/spec/shortDescription");
    assert!(
        !short.trim().is_empty() && !short.contains('\n'),
        "{short:?}"
    );
    assert!(!str_at(manifest, "/spec/description").trim().is_empty());

    let platforms = manifest
        .pointer("/spec/platforms")
        .and_then(Value::as_array)
        .expect("spec.platforms is a list");
    assert!(!platforms.is_empty(), "no platform");
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for platform in platforms {
        let labels = platform
            .pointer("/selector/matchLabels")
            .and_then(Value::as_object)
            .expect("selector.matchLabels");
        let keys: BTreeSet<&str> = labels.keys().map(String::as_str).collect();
        assert_eq!(keys, BTreeSet::from(["arch", "os"]), "selector labels");
        assert_eq!(
            platform["selector"].as_object().unwrap().len(),
            1,
            "only matchLabels"
        );
        let os = str_at(platform, "/selector/matchLabels/os");
        let arch = str_at(platform, "/selector/matchLabels/arch");
        assert!(OSES.contains(&os) && ARCHES.contains(&arch), "{os}/{arch}");
        assert!(seen.insert((os, arch)), "{os}/{arch} selected twice");

        let uri = str_at(platform, "/uri");
        assert!(uri.starts_with("https://"), "{uri}");
        assert!(
            uri.ends_with(&format!(
                "/{version}/kubectl-wizard-{version}-{os}-{arch}.tar.gz"
            )),
            "{uri}"
        );
        let sha = str_at(platform, "/sha256");
        assert!(
            sha.len() == 64 && sha.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
            "sha256 {sha:?}"
        );

        let exe = if os == "windows" { ".exe" } else { "" };
        let bin = str_at(platform, "/bin");
        assert_eq!(bin, format!("kubectl-wizard{exe}"));
        let files = platform["files"].as_array().expect("files");
        let mut from = Vec::new();
        for file in files {
            let source = str_at(file, "/from");
            let target = str_at(file, "/to");
            assert!(!source.is_empty() && !target.is_empty(), "{file}");
            from.push(source.to_string());
        }
        for needed in [
            bin.to_string(),
            format!("kubectl_complete-wizard{exe}"),
            "LICENSE".into(),
        ] {
            assert!(from.contains(&needed), "{os}/{arch}: files miss {needed}");
        }
        found.push((
            format!("{os}-{arch}"),
            uri.to_string(),
            sha.to_string(),
            from,
        ));
    }
    found
}

fn is_semver_with_v(version: &str) -> bool {
    let Some(rest) = version.strip_prefix('v') else {
        return false;
    };
    let core = rest.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

#[test]
fn semver_check() {
    assert!(is_semver_with_v("v0.1.0"));
    assert!(is_semver_with_v("v1.2.3-rc.1"));
    assert!(!is_semver_with_v("0.1.0"));
    assert!(!is_semver_with_v("v1.2"));
}

/// The Rust targets the release workflow builds, as krew's `os-arch`
/// (mapped by `dist.sh`, which names the archives).
fn released_platforms() -> BTreeSet<String> {
    let workflow = std::fs::read_to_string(repo().join(".github/workflows/release.yml")).unwrap();
    let workflow = parse(&workflow);
    let include = workflow
        .pointer("/jobs/build/strategy/matrix/include")
        .and_then(Value::as_array)
        .expect("the release workflow's build matrix");
    include
        .iter()
        .map(|entry| {
            let triple = str_at(entry, "/target");
            let output = Command::new(repo().join("scripts/dist.sh"))
                .args(["--print-platform", triple])
                .output()
                .unwrap();
            assert!(output.status.success(), "{triple}: {output:?}");
            String::from_utf8(output.stdout).unwrap().trim().to_string()
        })
        .collect()
}

#[test]
fn the_committed_manifest_renders_to_a_valid_manifest_for_every_released_platform() {
    let template = std::fs::read_to_string(repo().join("krew-manifest.yaml")).unwrap();
    let rendered = render_template(&template, &tag(), &"0".repeat(64));
    let platforms = check_manifest(&parse(&rendered));
    let names: BTreeSet<String> = platforms.into_iter().map(|p| p.0).collect();
    let all: BTreeSet<String> = OSES
        .iter()
        .flat_map(|os| ARCHES.iter().map(move |arch| format!("{os}-{arch}")))
        .collect();
    assert_eq!(names, all);
    assert_eq!(
        released_platforms(),
        names,
        "the release workflow must build exactly the manifest's platforms"
    );
}

/// The committed manifest is the template a release fills in, never a
/// rendered copy: a version or checksum written into it would go stale with
/// the next version bump or match no archive built elsewhere. Every
/// version comes from `{{ .TagName }}` (the workflow refuses a tag that is
/// not Cargo.toml's version) and every checksum from `addURIAndSha`; the
/// rendered copies live in the ignored `dist/`.
#[test]
fn the_committed_manifest_is_a_template_that_cannot_go_stale() {
    let template = std::fs::read_to_string(repo().join("krew-manifest.yaml")).unwrap();
    let body: Vec<&str> = template
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .collect();
    assert!(
        body.iter()
            .any(|line| line.trim() == "version: {{ .TagName }}"),
        "spec.version must be the release tag"
    );
    for line in &body {
        assert!(!line.contains("sha256:"), "a committed checksum: {line}");
        let words = line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'));
        for word in words {
            assert!(!is_semver_with_v(word), "a literal version {word}: {line}");
        }
    }
    let uris = body.iter().filter(|l| l.contains("addURIAndSha")).count();
    assert_eq!(uris, 6, "one addURIAndSha per platform");
    let ignored = std::fs::read_to_string(repo().join(".gitignore")).unwrap();
    assert!(ignored.lines().any(|l| l.trim() == "dist/"), "{ignored}");
    let workflow = std::fs::read_to_string(repo().join(".github/workflows/release.yml")).unwrap();
    assert!(
        workflow.contains("krew_template_file: krew-manifest.yaml"),
        "krew-release-bot must render the committed template"
    );
}

fn sha256_of(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// A target directory holding small stand-ins for the two debug binaries:
/// packing the real ones (over 100 MB each unoptimised) costs more than a
/// test should, and the script treats them as opaque files anyway.
fn stand_in_target(dir: &Path, content: &str) -> PathBuf {
    let target = dir.join("target");
    let debug = target.join("debug");
    std::fs::create_dir_all(&debug).unwrap();
    for name in ["kubectl-wizard", "kubectl_complete-wizard"] {
        std::fs::write(
            debug.join(name),
            format!("#!/bin/sh\necho {name} {content}\n"),
        )
        .unwrap();
    }
    target
}

fn run_dist(target: &Path, out: &Path, umask: &str) -> String {
    let script = repo().join("scripts/dist.sh");
    let output = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "umask {umask} && exec '{}' --profile dev --no-build",
            script.display()
        ))
        .env("CARGO_TARGET_DIR", target)
        .env("DIST_DIR", out)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn host_platform() -> String {
    kubectl_wizard::commands::platform(std::env::consts::OS, std::env::consts::ARCH)
        .replace('/', "-")
}

#[test]
fn dist_packs_a_reproducible_archive_and_a_manifest_that_matches_it() {
    let work = tempfile::tempdir().unwrap();
    let target = stand_in_target(work.path(), "one");
    let out = work.path().join("dist");
    let printed = run_dist(&target, &out, "022");

    let archive = out.join(format!(
        "kubectl-wizard-{}-{}.tar.gz",
        tag(),
        host_platform()
    ));
    let sha = sha256_of(&archive);
    assert!(
        printed.contains(&format!("{sha}  {}", archive.display())),
        "{printed}"
    );

    let manifest = std::fs::read_to_string(out.join("krew-manifest.yaml")).unwrap();
    let platforms = check_manifest(&parse(&manifest));
    assert_eq!(platforms.len(), 1, "only the platform packed here");
    let (platform, uri, manifest_sha, from) = &platforms[0];
    assert_eq!(platform, &host_platform());
    assert_eq!(
        manifest_sha, &sha,
        "the manifest's sha256 is not the archive's"
    );
    assert!(uri.ends_with(archive.file_name().unwrap().to_str().unwrap()));

    // The archive: fixed order, root-owned, fixed mtime, the files krew copies.
    let listing = Command::new("tar")
        .args(["--numeric-owner", "--utc", "-tvzf"])
        .arg(&archive)
        .output()
        .unwrap();
    let listing = String::from_utf8(listing.stdout).unwrap();
    let names: Vec<&str> = listing
        .lines()
        .map(|l| l.split_whitespace().last().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "kubectl-wizard",
            "kubectl_complete-wizard",
            "LICENSE",
            "README.md"
        ]
    );
    for name in from {
        assert!(
            names.contains(&name.as_str()),
            "{name} is not in the archive"
        );
    }
    for line in listing.lines() {
        assert!(line.contains(" 0/0 "), "owner: {line}");
        assert!(line.contains("2023-11-14 22:13"), "mtime: {line}");
    }
    assert!(listing.lines().next().unwrap().starts_with("-rwxr-xr-x"));

    // Same inputs, other file times and umask: the same bytes.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let again = stand_in_target(&work.path().join("again"), "one");
    let out_again = work.path().join("dist-again");
    run_dist(&again, &out_again, "077");
    let archive_again = out_again.join(archive.file_name().unwrap());
    assert_eq!(
        sha256_of(&archive_again),
        sha,
        "the archive is not reproducible"
    );

    // Other binaries: another sha256, and the manifest follows.
    let changed = stand_in_target(&work.path().join("changed"), "two");
    let out_changed = work.path().join("dist-changed");
    run_dist(&changed, &out_changed, "022");
    let changed_sha = sha256_of(&out_changed.join(archive.file_name().unwrap()));
    assert_ne!(changed_sha, sha);
    let changed_manifest = std::fs::read_to_string(out_changed.join("krew-manifest.yaml")).unwrap();
    assert_eq!(check_manifest(&parse(&changed_manifest))[0].2, changed_sha);
}

/// Every file under `dir`, relative to it.
fn tree(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap();
                found.insert(relative.to_string_lossy().into_owned());
            }
        }
    }
    found
}

/// A copy of the files `dist.sh` reads, in `dir/checkout`.
fn copy_checkout(dir: &Path) -> PathBuf {
    let checkout = dir.join("checkout");
    std::fs::create_dir_all(checkout.join("scripts")).unwrap();
    for file in [
        "scripts/dist.sh",
        "krew-manifest.yaml",
        "Cargo.toml",
        "LICENSE",
        "README.md",
    ] {
        std::fs::copy(repo().join(file), checkout.join(file)).unwrap();
    }
    checkout
}

/// Run in a copy of the files it reads, with nothing set but the build's
/// folder and the date, `dist.sh` adds `dist/` and its three files, and
/// changes nothing else.
#[test]
fn dist_writes_only_into_dist() {
    let work = tempfile::tempdir().unwrap();
    let checkout = copy_checkout(work.path());
    let before = tree(&checkout);
    let target = stand_in_target(work.path(), "one");
    let output = Command::new(checkout.join("scripts/dist.sh"))
        .args(["--profile", "dev", "--no-build"])
        .current_dir(work.path())
        .env("CARGO_TARGET_DIR", &target)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env_remove("DIST_DIR")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let after = tree(&checkout);
    let added: Vec<&String> = after.difference(&before).collect();
    let archive = format!("dist/kubectl-wizard-{}-{}.tar.gz", tag(), host_platform());
    assert_eq!(added, [&"dist/krew-manifest.yaml".to_string(), &archive]);
    for file in &before {
        assert_eq!(
            std::fs::read(checkout.join(file)).unwrap(),
            std::fs::read(repo().join(file)).unwrap(),
            "{file} changed"
        );
    }
    let printed = String::from_utf8(output.stdout).unwrap();
    assert!(
        printed.contains("krew manifest: dist/krew-manifest.yaml"),
        "{printed}"
    );
}

/// The flags a release build gets map the checkout and cargo's home to
/// fixed paths, so the binaries do not depend on where they were built.
#[test]
fn release_builds_remap_their_paths() {
    let output = Command::new(repo().join("scripts/dist.sh"))
        .arg("--print-rustflags")
        .env("CARGO_HOME", "/somewhere/cargo")
        .env("CARGO_TARGET_DIR", "/elsewhere/target")
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let root = repo().canonicalize().unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!(
            "--remap-path-prefix={}=/build/kubectl-wizard --remap-path-prefix=/somewhere/cargo=/cargo \
             --remap-path-prefix=/elsewhere/target=/build/target\n",
            root.display()
        )
    );
}

/// `DIST_DIR=.` would overwrite the committed template with a rendering.
#[test]
fn dist_refuses_to_write_into_the_checkout_itself() {
    let work = tempfile::tempdir().unwrap();
    let checkout = copy_checkout(work.path());
    let target = stand_in_target(work.path(), "one");
    let before = tree(&checkout);
    let output = Command::new(checkout.join("scripts/dist.sh"))
        .args(["--profile", "dev", "--no-build"])
        .env("CARGO_TARGET_DIR", &target)
        .env("DIST_DIR", ".")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_eq!(tree(&checkout), before);
    assert_eq!(
        std::fs::read(checkout.join("krew-manifest.yaml")).unwrap(),
        std::fs::read(repo().join("krew-manifest.yaml")).unwrap()
    );
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("DIST_DIR must not be the checkout itself"),
        "{output:?}"
    );
}

#[test]
fn dist_rejects_unknown_arguments() {
    let output = Command::new(repo().join("scripts/dist.sh"))
        .arg("--frobnicate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown argument '--frobnicate'"));
}
