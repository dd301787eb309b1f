//! `kubectl wizard version`: what is installed, for bug reports and scripts.

use serde::Serialize;

use crate::cli::{OutputFormat, VersionArgs};
use crate::error::{Error, Result, EXIT_OK};

/// What `version -o json|yaml` prints. The keys follow `kubectl version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// `v` + the Cargo version, as in the krew manifest and release tags.
    pub version: String,
    /// The commit built from; empty when the build did not say (a plain
    /// `cargo install`). Release builds set `KUBECTL_WIZARD_GIT_COMMIT`.
    pub git_commit: String,
    /// `os/arch` in the names kubectl and krew use (`linux/amd64`).
    pub platform: String,
}

impl VersionInfo {
    pub fn current() -> VersionInfo {
        VersionInfo {
            version: format!("v{}", env!("CARGO_PKG_VERSION")),
            git_commit: option_env!("KUBECTL_WIZARD_GIT_COMMIT")
                .unwrap_or_default()
                .to_string(),
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
    let info = VersionInfo::current();
    let text = match args.output {
        Some(OutputFormat::Json) => {
            let mut json = serde_json::to_string_pretty(&info)
                .map_err(|e| Error::Failed(format!("cannot write JSON: {e}")))?;
            json.push('\n');
            json
        }
        Some(OutputFormat::Yaml) => crate::yaml::to_string(&info)
            .map_err(|e| Error::Failed(format!("cannot write YAML: {e}")))?,
        None if args.short => format!("{}\n", info.version),
        None if info.git_commit.is_empty() => {
            format!("kubectl-wizard {} ({})\n", info.version, info.platform)
        }
        None => format!(
            "kubectl-wizard {} ({}, commit {})\n",
            info.version, info.platform, info.git_commit
        ),
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
