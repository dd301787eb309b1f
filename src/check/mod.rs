//! Value checks shared by the state reader and the interactive wizard, so a
//! value typed at a prompt is judged exactly like the same value in a file.
//! Each check returns `Err(what is allowed)` for the caller to put in context.

pub mod cron;
pub mod names;
pub mod numbers;
pub mod quantity;

pub use cron::check_schedule;
pub use names::{check_dns_label, check_dns_subdomain, check_env_key, check_host, closest};
pub use quantity::{check_positive_quantity, check_quantity};

/// A port number, 1–65535.
pub fn check_port(port: i64) -> Result<i32, String> {
    if (1..=65535).contains(&port) {
        Ok(port as i32)
    } else {
        Err(format!("found {port}; a port is 1 to 65535"))
    }
}

/// Why an `output_dir` written in a state may not be used as it is: an
/// absolute path or one that climbs out with `..`.
pub fn check_state_output_dir(dir: &str) -> Result<(), String> {
    let path = std::path::Path::new(dir);
    let escapes = path.components().any(|c| {
        matches!(
            c,
            std::path::Component::ParentDir
                | std::path::Component::RootDir
                | std::path::Component::Prefix(_)
        )
    });
    if escapes {
        Err(format!(
            "found \"{dir}\"; expected a folder inside the working directory (a relative path without `..`); pass --output-dir to write elsewhere"
        ))
    } else {
        Ok(())
    }
}

/// An absolute path such as a mountPath or hostPath, without a `..`
/// segment (the API server refuses a hostPath that climbs back up, and a
/// mount path that does is at best confusing).
pub fn check_absolute_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        Err(format!(
            "found \"{path}\"; it must be an absolute path (start with /)"
        ))
    } else if path.split('/').any(|segment| segment == "..") {
        Err(format!(
            "found \"{path}\"; an absolute path without a `..` segment is required"
        ))
    } else {
        Ok(())
    }
}

/// A key of a ConfigMap or Secret (it also becomes a file name under the
/// mount path): letters, digits, `-`, `_` and `.`, at most 253, not `.`
/// and not starting with `..` (so never absolute and never climbing out).
pub fn check_config_map_key(key: &str) -> Result<(), String> {
    let chars_ok = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !key.is_empty() && key.len() <= 253 && chars_ok && key != "." && !key.starts_with("..") {
        Ok(())
    } else {
        Err(format!(
            "found \"{key}\"; expected a ConfigMap/Secret key: at most 253 letters, digits, '-', '_' or '.', not \".\" and not starting with \"..\" (no '/', so never an absolute path)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_output_dirs_may_not_leave_the_working_directory() {
        assert!(check_state_output_dir("k8s").is_ok());
        assert!(check_state_output_dir("deploy/k8s").is_ok());
        assert!(check_state_output_dir("./k8s").is_ok());
        for bad in ["/etc", "../up", "k8s/../../x", ".."] {
            let why = check_state_output_dir(bad).unwrap_err();
            assert!(why.contains(&format!("found \"{bad}\"")), "{why}");
        }
    }
}
