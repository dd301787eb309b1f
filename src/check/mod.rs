//! Value checks shared by the state reader and the interactive wizard, so a
//! value typed at a prompt is judged exactly like the same value in a file.
//! Each check returns `Err(what is allowed)` for the caller to put in context.

pub mod cron;
pub mod names;
pub mod numbers;
pub mod quantity;

pub use cron::check_schedule;
pub use names::{check_dns_label, check_dns_subdomain, check_env_key, check_host, closest};
pub use quantity::check_quantity;

/// A port number, 1–65535.
pub fn check_port(port: i64) -> Result<i32, String> {
    if (1..=65535).contains(&port) {
        Ok(port as i32)
    } else {
        Err(format!("found {port}; a port is 1 to 65535"))
    }
}

/// An absolute path such as a mountPath.
pub fn check_absolute_path(path: &str) -> Result<(), String> {
    if path.starts_with('/') {
        Ok(())
    } else {
        Err(format!(
            "found \"{path}\"; it must be an absolute path (start with /)"
        ))
    }
}
