//! What an earlier `render` wrote into a folder, so that a later one can
//! tell the files the state no longer generates (and `--prune` remove
//! them) without ever touching a file the tool did not write. The record
//! is `kustomization.yaml` itself: its `resources` are the files written,
//! and a comment after them lists the Secret files, which it leaves out.

use serde_json::Value;

/// The comment line that starts the list of the other files.
pub const ALSO_WRITTEN: &str =
    "# Also written by kubectl wizard render, not resources (Secrets with placeholders; stale files):";

/// The kustomization text with `files` added to the record of files that
/// are not resources: the Secret files, and stale files that stay (so a
/// later `render --prune` still knows they are the tool's).
pub fn with_secret_files<S: AsRef<str>>(kustomization: String, files: &[S]) -> String {
    if files.is_empty() {
        return kustomization;
    }
    let mut text = kustomization;
    if !text.contains(ALSO_WRITTEN) {
        text.push_str(ALSO_WRITTEN);
        text.push('\n');
    }
    for name in files {
        let name = name.as_ref();
        text.push_str("#   ");
        text.push_str(name);
        text.push('\n');
    }
    text
}

/// The files a `kustomization.yaml` says render wrote, or `None` when it
/// is not one render wrote (other keys than render's, or not a
/// Kustomization): then nothing is known and nothing is stale.
pub fn written(text: &str) -> Option<Vec<String>> {
    let value: Value = serde_yaml::from_str(text).ok()?;
    let map = value.as_object()?;
    let ours = map.keys().all(|k| {
        matches!(
            k.as_str(),
            "apiVersion" | "kind" | "namespace" | "resources"
        )
    }) && map.get("kind").and_then(Value::as_str) == Some("Kustomization");
    if !ours {
        return None;
    }
    let mut files: Vec<String> = map
        .get("resources")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let mut listing = false;
    for line in text.lines() {
        if line == ALSO_WRITTEN {
            listing = true;
        } else if let (true, Some(name)) = (listing, line.strip_prefix("#   ")) {
            files.push(name.to_string());
        }
    }
    files.retain(|f| is_render_file(f));
    Some(files)
}

/// A name render could have written: `NAME.yaml` or `secrets/NAME.yaml`,
/// nothing that leads out of the folder.
fn is_render_file(name: &str) -> bool {
    let file = name
        .strip_prefix(&format!("{}/", super::SECRETS_DIR))
        .unwrap_or(name);
    file.ends_with(".yaml")
        && !file.contains(['/', '\\'])
        && !file.starts_with('.')
        && file != "kustomization.yaml"
}

/// Files of `previous` that `current` no longer has, in order.
pub fn stale(previous: &[String], current: &[&str]) -> Vec<String> {
    // A set: ten thousand services are 45,000 names on each side.
    let current: std::collections::HashSet<&str> = current.iter().copied().collect();
    previous
        .iter()
        .filter(|f| !current.contains(f.as_str()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_lists_resources_and_secret_files() {
        let text = with_secret_files(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop\nresources:\n- a.yaml\n- b.yaml\n".into(),
            &["secrets/a-secrets.yaml"],
        );
        let files = written(&text).unwrap();
        assert_eq!(files, ["a.yaml", "b.yaml", "secrets/a-secrets.yaml"]);
        assert_eq!(
            stale(&files, &["b.yaml"]),
            ["a.yaml", "secrets/a-secrets.yaml"]
        );
    }

    #[test]
    fn a_kustomization_render_did_not_write_records_nothing() {
        assert_eq!(
            written("kind: Kustomization\nresources: [a.yaml]\npatches: []\n"),
            None
        );
        assert_eq!(written("not: [yaml"), None);
        let text = "kind: Kustomization\nresources: [../x.yaml, /etc/passwd.yaml, secrets/../../y.yaml, ok.yaml, secrets/s.yaml]\n";
        assert_eq!(written(text).unwrap(), ["ok.yaml", "secrets/s.yaml"]);
    }
}
