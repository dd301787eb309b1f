//! Hostile surroundings, through the built binary: links, FIFOs and huge
//! files planted where `render` writes, a state that tries to choose where
//! files go, and Secret manifests left readable. Nothing may be written
//! outside the output folder, nothing may hang, nothing may be read without
//! bound.

mod common;

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::time::Duration;

use common::{status, stderr, stdout, wizard, StateDir};

const STATE: &str = "namespace: shop\n_services:\n  - name: web\n    image: nginx:1.27\n    port: 80\n    envVars:\n      - {key: DB_PASSWORD, type: secret}\n";

/// A file outside the output folder that an attacker wants overwritten.
fn victim(dir: &StateDir) -> std::path::PathBuf {
    let path = dir.join("victim.txt");
    fs::write(&path, "precious\n").unwrap();
    path
}

fn render(dir: &StateDir, extra: &[&str]) -> std::process::Output {
    wizard()
        .args(["render", "-f", "state.yaml"])
        .args(extra)
        .current_dir(dir.path())
        .timeout(Duration::from_secs(60))
        .output()
        .expect("the binary runs")
}

#[test]
fn a_link_planted_at_an_output_file_is_not_followed() {
    let dir = StateDir::new(STATE);
    let victim = victim(&dir);
    fs::create_dir(dir.join("k8s")).unwrap();
    symlink(&victim, dir.join("k8s/kustomization.yaml")).unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let out = render(&dir, extra);
        let err = stderr(&out);
        assert_eq!(status(&out), 3, "{err}");
        assert!(
            err.contains("kustomization.yaml: found a symbolic link"),
            "{err}"
        );
        assert!(err.contains("nothing was written"), "{err}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
        assert_eq!(
            fs::read_dir(dir.join("k8s")).unwrap().count(),
            1,
            "no other file written"
        );
    }
}

/// Before, the temporary file was `.<name>.<pid>.tmp`, opened following
/// links: links planted for the next process ids redirected the write.
#[test]
fn links_planted_at_guessable_temporary_names_are_not_followed() {
    let dir = StateDir::new(STATE);
    let victim = victim(&dir);
    let out_dir = dir.join("k8s");
    fs::create_dir(&out_dir).unwrap();
    let last_pid: u32 = fs::read_to_string("/proc/sys/kernel/ns_last_pid")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1);
    for pid in last_pid + 1..last_pid + 3000 {
        symlink(
            &victim,
            out_dir.join(format!(".kustomization.yaml.{pid}.tmp")),
        )
        .unwrap();
    }
    let out = render(&dir, &[]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
    let written = fs::symlink_metadata(out_dir.join("kustomization.yaml")).unwrap();
    assert!(written.is_file(), "a regular file, not a link");
}

#[test]
fn a_fifo_at_an_output_file_is_refused_without_hanging() {
    let dir = StateDir::new(STATE);
    fs::create_dir(dir.join("k8s")).unwrap();
    let fifo = dir.join("k8s/kustomization.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let out = render(&dir, &["--force"]);
    let err = stderr(&out);
    assert_eq!(status(&out), 3, "{err}");
    assert!(
        err.contains("kustomization.yaml: found a special file (FIFO, socket or device)"),
        "{err}"
    );
}

#[test]
fn a_huge_existing_file_is_compared_by_size_and_never_read() {
    let dir = StateDir::new(STATE);
    fs::create_dir(dir.join("k8s")).unwrap();
    // Sparse: 64 GiB that take no disk, and more memory than the machine has.
    let huge = fs::File::create(dir.join("k8s/kustomization.yaml")).unwrap();
    huge.set_len(64 << 30).unwrap();
    let out = render(&dir, &[]);
    let err = stderr(&out);
    assert_eq!(status(&out), 1, "{err}");
    assert!(
        stdout(&out).contains("skipped   k8s/kustomization.yaml"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn secret_manifests_are_readable_by_their_owner_only() {
    let dir = StateDir::new(STATE);
    let out = render(&dir, &[]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let mut secrets = 0;
    let files = fs::read_dir(dir.join("k8s"))
        .unwrap()
        .chain(fs::read_dir(dir.join("k8s/secrets")).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file());
    for path in files {
        let text = fs::read_to_string(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        if text.contains("\nkind: Secret\n") {
            secrets += 1;
            assert_eq!(mode, 0o600, "{}", path.display());
        } else {
            assert_ne!(mode & 0o400, 0, "{} readable", path.display());
        }
    }
    assert_eq!(secrets, 1, "the state makes one Secret");
}

#[test]
fn a_state_may_not_send_files_outside_the_working_directory() {
    for (output_dir, found) in [
        ("/tmp/elsewhere", "/tmp/elsewhere"),
        ("../up", "../up"),
        ("k8s/../../up", "k8s/../../up"),
    ] {
        let state = format!("output_dir: {output_dir}\n{STATE}");
        let dir = StateDir::new(&state);
        let out = render(&dir, &[]);
        let err = stderr(&out);
        assert_eq!(status(&out), 2, "{err}");
        assert!(
            err.contains(&format!(
                "error: output_dir: found \"{found}\"; expected a folder inside the working directory"
            )),
            "{err}"
        );
        assert!(!dir.path().parent().unwrap().join("up").exists());
    }
}

#[test]
fn a_state_output_dir_that_links_out_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    let dir = StateDir::new(&format!("output_dir: deploy/k8s\n{STATE}"));
    symlink(outside.path(), dir.join("deploy")).unwrap();
    let out = render(&dir, &["--force"]);
    let err = stderr(&out);
    assert_eq!(status(&out), 3, "{err}");
    assert!(
        err.contains("output_dir: found \"deploy/k8s\", which leads to"),
        "{err}"
    );
    assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0);
}

#[test]
fn the_command_line_output_dir_may_point_anywhere() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("manifests");
    let dir = StateDir::new(STATE);
    let out = wizard()
        .args(["render", "-f", "state.yaml", "--output-dir"])
        .arg(&target)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert!(target.join("kustomization.yaml").is_file());
}

#[test]
fn a_link_planted_at_the_secrets_folder_is_not_followed() {
    let dir = StateDir::new(STATE);
    let elsewhere = dir.join("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    fs::create_dir(dir.join("k8s")).unwrap();
    symlink(&elsewhere, dir.join("k8s/secrets")).unwrap();
    let out = render(&dir, &["--force"]);
    let err = stderr(&out);
    assert_eq!(status(&out), 3, "{err}");
    assert!(
        err.contains("secrets: found a symbolic link; expected a folder or nothing"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(
        fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "no Secret written through the link"
    );
    assert_eq!(
        fs::read_dir(dir.join("k8s")).unwrap().count(),
        1,
        "no other file written"
    );
}

/// A new folder is built under a hidden name beside it and renamed into
/// place: afterwards only the folder itself is there, complete.
#[test]
fn a_new_output_folder_appears_complete_with_nothing_beside_it() {
    let dir = StateDir::new(STATE);
    let out = render(&dir, &["--output-dir", "deploy/k8s"]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let beside: Vec<_> = fs::read_dir(dir.join("deploy"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["k8s"], "no hidden staging folder left");
    let report = stdout(&out);
    let written: Vec<&str> = report
        .lines()
        .filter_map(|line| line.strip_prefix("wrote     "))
        .collect();
    assert_eq!(written.len(), 5, "{report}");
    for path in &written {
        assert!(
            fs::symlink_metadata(dir.join(path)).unwrap().is_file(),
            "{path}"
        );
    }
    let again = render(&dir, &["--output-dir", "deploy/k8s"]);
    assert_eq!(status(&again), 0, "{}", stderr(&again));
    let unchanged = stdout(&again)
        .lines()
        .filter(|line| line.starts_with("unchanged "))
        .count();
    assert_eq!(unchanged, 5, "{}", stdout(&again));
}

#[test]
fn a_dangling_link_at_the_output_folder_is_not_replaced_or_followed() {
    let dir = StateDir::new(STATE);
    let target = dir.join("elsewhere/k8s");
    symlink(&target, dir.join("k8s")).unwrap();
    let out = render(&dir, &["--output-dir", "k8s"]);
    assert_ne!(status(&out), 0, "{}", stdout(&out));
    assert!(stderr(&out).contains("k8s"), "{}", stderr(&out));
    assert!(fs::symlink_metadata(dir.join("k8s"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(
        !dir.join("elsewhere").exists(),
        "nothing written through it"
    );
}
