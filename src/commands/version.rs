//! `kubectl wizard version`: what is installed, for bug reports and scripts.

use serde::Serialize;

use crate::cli::{OutputFormat, VersionArgs};
use crate::error::{Error, Result, EXIT_OK};

/// What `version -o json|yaml` prints, in `kubectl version`'s shape: the
/// plugin is a client, so its fields sit under `clientVersion`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionOutput {
    pub client_version: VersionInfo,
}

/// The fields of Kubernetes' `version.Info` that mean something for a Rust
/// program (no `gitTreeState`: knowing it would mean rebuilding on every
/// edit), with `rustVersion` where Go programs have `goVersion`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    pub major: String,
    pub minor: String,
    /// `v` + the Cargo version, as in the krew manifest and release tags.
    pub git_version: String,
    /// The commit built from (`build.rs`); `unknown` outside git.
    pub git_commit: String,
    /// The commit's time (or `SOURCE_DATE_EPOCH`), so builds are
    /// reproducible; `unknown` outside git.
    pub build_date: String,
    pub rust_version: String,
    pub compiler: String,
    /// `os/arch` in the names kubectl and krew use (`linux/amd64`).
    pub platform: String,
}

impl VersionInfo {
    pub fn current() -> VersionInfo {
        let mut numbers = env!("CARGO_PKG_VERSION").split(['.', '-', '+']);
        VersionInfo {
            major: numbers.next().unwrap_or_default().to_string(),
            minor: numbers.next().unwrap_or_default().to_string(),
            git_version: format!("v{}", env!("CARGO_PKG_VERSION")),
            git_commit: env!("KUBECTL_WIZARD_GIT_COMMIT").to_string(),
            build_date: env!("KUBECTL_WIZARD_BUILD_DATE").to_string(),
            rust_version: env!("KUBECTL_WIZARD_RUSTC_VERSION").to_string(),
            compiler: "rustc".to_string(),
            platform: platform(std::env::consts::OS, std::env::consts::ARCH),
        }
    }
}

/// Rust's names for an OS and a CPU, in Go's spelling, which is what
/// kubectl users (and krew selectors) know.
pub fn platform(os: &str, arch: &str) -> String {
    let os = match os {
        "macos" => "darwin",
        other => other,
    };
    let arch = match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{os}/{arch}")
}

pub fn run(args: &VersionArgs) -> Result<i32> {
    if args.short {
        // kubectl 1.28 removed `kubectl version --short`; the plain output
        // took its place.
        return Err(Error::Usage(
            "--short was removed, as kubectl 1.28 removed it from `kubectl version`: \
             the plain output is one line already (`Client Version: v…`); \
             use -o json or -o yaml for the commit, build date and platform"
                .into(),
        ));
    }
    let output = VersionOutput {
        client_version: VersionInfo::current(),
    };
    let text = match args.output {
        Some(OutputFormat::Json) => {
            let mut json = serde_json::to_string_pretty(&output)
                .map_err(|e| Error::Failed(format!("cannot write JSON: {e}")))?;
            json.push('\n');
            json
        }
        Some(OutputFormat::Yaml) => crate::yaml::to_string(&output)
            .map_err(|e| Error::Failed(format!("cannot write YAML: {e}")))?,
        None => format!("Client Version: {}\n", output.client_version.git_version),
    };
    super::emit(&text)?;
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::platform;

    #[test]
    fn platform_uses_go_names() {
        assert_eq!(platform("linux", "x86_64"), "linux/amd64");
        assert_eq!(platform("macos", "aarch64"), "darwin/arm64");
        assert_eq!(platform("windows", "x86_64"), "windows/amd64");
        assert_eq!(platform("freebsd", "riscv64"), "freebsd/riscv64");
    }
}
