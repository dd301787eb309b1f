//! Values from the environment: `${NAME}` in `variable` env values, and
//! Secret keys filled from the variable of the same name.
//!
//! The pure part (dotenv parsing, filling a text, walking a project and its
//! Secrets) takes the values as a lookup function; `Values::load` is the
//! only I/O (reading `--env-file`s and the process environment).
//!
//! Secret values are never part of a message: errors name paths, files,
//! line numbers and variable names, never what a value holds.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diag::Diagnostics;
use crate::error::{Error, Result};
use crate::model::{EnvSource, EnvVar, Project};
use crate::pipeline::Build;
use crate::render::{Manifest, SECRET_PLACEHOLDER};

/// What the command line asked to fill in.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Fill `${NAME}` in `variable` values (diff and apply always; render
    /// with `--substitute` or `--env-file`).
    pub variables: bool,
    /// `--allow-unset`: a name that is not set stays `${NAME}`.
    pub allow_unset: bool,
    /// `--secrets-from-env` / `render --include-secret-values`.
    pub secrets: bool,
}

/// Where values come from: the `--env-file`s (a later file wins) and then
/// the process environment. The file is given explicitly on this command
/// line, so it wins over what the shell happens to export.
#[derive(Clone, Default)]
pub struct Values {
    files: BTreeMap<String, String>,
    process: bool,
}

impl std::fmt::Debug for Values {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the values: some are Secrets.
        f.debug_struct("Values")
            .field("names", &self.files.keys().collect::<Vec<_>>())
            .field("process", &self.process)
            .finish()
    }
}

impl Values {
    /// Read every `--env-file`; every problem of every file is reported at
    /// once (exit 2), nothing is sent.
    pub fn load(env_files: &[String]) -> Result<Values> {
        let mut files = BTreeMap::new();
        let mut problems = Diagnostics::default();
        for name in env_files {
            let text = std::fs::read_to_string(name).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    Error::Usage(format!("--env-file: the file \"{name}\" does not exist"))
                }
                _ => Error::io(name, e),
            })?;
            match parse_dotenv(&text) {
                Ok(values) => files.extend(values),
                Err(errors) => {
                    for (line, message) in errors {
                        problems.error(format!("{name}:{line}"), message);
                    }
                }
            }
        }
        if problems.has_errors() {
            return Err(Error::Invalid(problems));
        }
        Ok(Values {
            files,
            process: true,
        })
    }

    /// Only the given values (tests).
    pub fn from_map(files: BTreeMap<String, String>) -> Values {
        Values {
            files,
            process: false,
        }
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.files
            .get(name)
            .cloned()
            .or_else(|| self.process.then(|| std::env::var(name).ok()).flatten())
    }
}

/// A dotenv file: `NAME=VALUE` lines, `export NAME=VALUE` too, `#`
/// comments, blank lines; a value may be `"double quoted"` (with `\n`,
/// `\t`, `\"`, `\\` escapes), `'single quoted'` (literal) or bare (cut at
/// ` #`, trimmed). Errors are `(line, message)`, every one of the file,
/// and never quote a value.
pub fn parse_dotenv(
    text: &str,
) -> std::result::Result<BTreeMap<String, String>, Vec<(usize, String)>> {
    let mut values = BTreeMap::new();
    let mut errors = Vec::new();
    for (index, raw) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let number = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((name, rest)) = line.split_once('=') else {
            errors.push((
                number,
                "expected NAME=VALUE, found a line without =".to_string(),
            ));
            continue;
        };
        let name = name.trim();
        if !is_name(name) {
            errors.push((
                number,
                format!(
                    "\"{}\" is not a variable name (letters, digits and _, not starting with a digit)",
                    crate::sanitize::one_line(name)
                ),
            ));
            continue;
        }
        match dotenv_value(rest.trim_start()) {
            Ok(value) => {
                values.insert(name.to_string(), value);
            }
            Err(message) => errors.push((number, format!("{name}: {message}"))),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

fn dotenv_value(rest: &str) -> std::result::Result<String, String> {
    let after_quote = |tail: &str| {
        let tail = tail.trim();
        if tail.is_empty() || tail.starts_with('#') {
            Ok(())
        } else {
            Err("text after the closing quote (only a # comment may follow)".to_string())
        }
    };
    if let Some(body) = rest.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = body.char_indices();
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => {
                    after_quote(&body[at + 1..])?;
                    return Ok(value);
                }
                '\\' => match chars.next().map(|(_, e)| e) {
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    Some('r') => value.push('\r'),
                    Some(other) => value.push(other),
                    None => break,
                },
                other => value.push(other),
            }
        }
        return Err("the value's closing \" is missing".into());
    }
    if let Some(body) = rest.strip_prefix('\'') {
        return match body.find('\'') {
            Some(end) => {
                after_quote(&body[end + 1..])?;
                Ok(body[..end].to_string())
            }
            None => Err("the value's closing ' is missing".into()),
        };
    }
    let bare = match rest.find(" #").or_else(|| rest.find("\t#")) {
        Some(end) => &rest[..end],
        None => rest,
    };
    Ok(bare.trim_end().to_string())
}

/// `NAME` of `${NAME}`: a shell variable name.
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Each `${NAME}` of a text, in order (a `$` not followed by a valid
/// `{NAME}` is plain text).
pub fn references(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) if is_name(&after[..end]) => {
                found.push(&after[..end]);
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    found
}

/// The text with each `${NAME}` that `lookup` knows replaced; the names it
/// does not know stay as written and are returned.
pub fn fill(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut unset = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) if is_name(&after[..end]) => {
                let name = &after[..end];
                match lookup(name) {
                    Some(value) => out.push_str(&value),
                    None => {
                        out.push_str(&rest[start..start + 2 + end + 1]);
                        unset.push(name.to_string());
                    }
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, unset)
}

/// Every env list of a project, mutable: services and their companions,
/// self-hosted infra likewise, managed infra.
fn env_lists(project: &mut Project) -> Vec<&mut Vec<EnvVar>> {
    let mut lists = Vec::new();
    let mut services: Vec<&mut crate::model::Service> = project.services.iter_mut().collect();
    for decision in &mut project.infra {
        match &mut decision.hosting {
            crate::model::Hosting::SelfHosted(svc) => services.push(svc.as_mut()),
            crate::model::Hosting::Managed { env, .. } => lists.push(env),
            crate::model::Hosting::Skip => {}
        }
    }
    for svc in services {
        lists.push(&mut svc.env);
        for companion in &mut svc.companions {
            lists.push(&mut companion.env);
        }
    }
    lists
}

/// `${NAME}`s of `variable` values that were not filled: `(path, name)`.
pub type Unset = Vec<(String, String)>;

/// Fill the `variable` values of a project: the ones left unset, with the
/// path of their env entry, and whether any value changed (objects kept
/// from before are rendered again only then).
fn fill_project(project: &mut Project, lookup: &dyn Fn(&str) -> Option<String>) -> (Unset, bool) {
    let mut unset = Vec::new();
    let mut changed = false;
    for list in env_lists(project) {
        for var in list.iter_mut() {
            if let EnvSource::Variable(value) = &mut var.source {
                let (filled, missing) = fill(value, lookup);
                if filled != *value {
                    changed = true;
                    *value = filled;
                }
                unset.extend(missing.into_iter().map(|name| (var.path.clone(), name)));
            }
        }
    }
    (unset, changed)
}

/// The `${NAME}` references a project's `variable` values hold, with the
/// path of their env entry.
pub fn placeholders(project: &Project) -> Unset {
    let mut project = project.clone();
    fill_project(&mut project, &|_| None).0
}

/// Secret keys filled from the environment, and the ones not found there
/// (`key (secret/name)`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretFill {
    pub filled: usize,
    pub missing: Vec<String>,
}

/// Give each Secret key that holds the placeholder the value of the
/// variable of the same name, when it is set.
pub fn fill_secrets(
    manifests: &mut [Manifest],
    lookup: &dyn Fn(&str) -> Option<String>,
) -> SecretFill {
    let mut result = SecretFill::default();
    for manifest in manifests.iter_mut().filter(|m| m.is_secret()) {
        let reference = manifest.reference();
        let Some(Value::Object(data)) = manifest.object.get_mut("stringData") else {
            continue;
        };
        for (key, value) in data.iter_mut() {
            if value.as_str() != Some(SECRET_PLACEHOLDER) {
                continue;
            }
            match lookup(key) {
                Some(real) => {
                    *value = Value::String(real);
                    result.filled += 1;
                }
                None => result.missing.push(format!("{key} ({reference})")),
            }
        }
    }
    result
}

/// What filling did, for the notes a command prints.
#[derive(Debug, Clone, Default)]
pub struct Filled {
    /// References left as written (`--allow-unset`, or not asked to fill).
    pub kept: Unset,
    pub secrets: Option<SecretFill>,
}

/// Fill a build as `request` says, from `values`: the model's variables,
/// then the objects rendered from it (when `objects` asks for them, or
/// the build kept some that a filled value changed), then the Secrets. A
/// name that is not set is an error at its env entry's path (all of them
/// at once), unless `allow_unset`.
pub fn apply(
    build: &mut Build,
    request: &Request,
    values: &Values,
    objects: bool,
) -> Result<Filled> {
    let lookup = |name: &str| values.get(name);
    let mut filled = Filled::default();
    if request.variables {
        let (unset, changed) = fill_project(&mut build.project, &lookup);
        if !unset.is_empty() && !request.allow_unset {
            let mut problems = Diagnostics::default();
            for (path, name) in &unset {
                problems.error(
                    format!("{path}.varName"),
                    format!("${{{name}}} is not set in the environment or an --env-file; set it, or pass --allow-unset to send it as written"),
                );
            }
            return Err(Error::Invalid(problems));
        }
        filled.kept = unset;
        // Objects kept before the values were filled (several states
        // merged keep them) are out of date only if a value changed; none
        // kept, they are rendered now when asked for.
        let outdated = build.keep.objects && changed;
        if outdated || (objects && !build.keep.objects) {
            build.render_objects();
        }
    } else {
        filled.kept = placeholders(&build.project);
    }
    if request.secrets {
        filled.secrets = Some(fill_secrets(&mut build.manifests, &lookup));
    }
    Ok(filled)
}

/// The notes on stderr after filling: Secret keys not found, references
/// left as written.
pub fn notes(filled: &Filled, variables: bool) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(secrets) = &filled.secrets {
        if !secrets.missing.is_empty() {
            notes.push(format!(
                "note: {} Secret key(s) filled from the environment; not set there: {} (a live value is kept, a missing one gets {SECRET_PLACEHOLDER})",
                secrets.filled,
                secrets.missing.join(", ")
            ));
        }
    }
    if !filled.kept.is_empty() {
        let listed: Vec<String> = filled
            .kept
            .iter()
            .map(|(path, name)| format!("${{{name}}} ({path})"))
            .collect();
        notes.push(if variables {
            format!(
                "note: left {} reference(s) as written (--allow-unset): {}",
                listed.len(),
                listed.join(", ")
            )
        } else {
            format!(
                "note: {} value(s) keep their ${{NAME}} placeholder: {}; diff and apply fill them from the environment, render does with --substitute or --env-file",
                listed.len(),
                listed.join(", ")
            )
        });
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn dotenv_reads_the_usual_forms() {
        let text = "\u{feff}# comment\n\nA=1\nexport B = two words # note\nC=\"x\\ny \\\"q\\\"\"\nD='lit $X \\n'\nE=\nF=a#b\n";
        assert_eq!(
            parse_dotenv(text).unwrap(),
            map(&[
                ("A", "1"),
                ("B", "two words"),
                ("C", "x\ny \"q\""),
                ("D", "lit $X \\n"),
                ("E", ""),
                ("F", "a#b"),
            ])
        );
    }

    #[test]
    fn dotenv_reports_every_bad_line_without_its_value() {
        let text = "GOOD=1\nno equals sign s3cret\n1BAD=x\nQ=\"s3cret\nR='s3cret' tail\n";
        let errors = parse_dotenv(text).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 3, 4, 5]);
        assert!(
            errors.iter().all(|(_, m)| !m.contains("s3cret")),
            "{errors:?}"
        );
        assert!(errors[0].1.contains("expected NAME=VALUE"));
        assert!(errors[2].1.contains("closing \" is missing"));
    }

    #[test]
    fn fill_replaces_known_names_and_returns_the_others() {
        let lookup = |n: &str| (n == "A").then(|| "1".to_string());
        assert_eq!(
            fill("x-${A}-${B}-$C-${not valid}-${}", &lookup),
            (
                "x-1-${B}-$C-${not valid}-${}".to_string(),
                vec!["B".to_string()]
            )
        );
        assert_eq!(references("${A}${B}$${C}"), ["A", "B", "C"]);
    }

    #[test]
    fn variables_are_filled_in_the_config_map_and_unset_ones_reported_by_path() {
        let state = r#"
namespace: shop
_services:
  - name: api
    image: "api:1"
    envVars:
      - {key: MODE, value: "${KEEP}"}
      - {key: LOG_LEVEL, type: variable, varName: "${LOG_LEVEL}"}
      - {key: REGION, type: variable}
      - {key: API_KEY, type: secret}
"#;
        // As diff and apply build it: checked by name, rendered once filled.
        let names_only = crate::pipeline::Keep {
            objects: false,
            environments: false,
        };
        let mut build =
            crate::pipeline::build_keeping(state, "s", &Default::default(), names_only).unwrap();
        assert!(build.manifests.is_empty());
        let request = Request {
            variables: true,
            allow_unset: false,
            secrets: true,
        };
        let values = Values::from_map(map(&[
            ("LOG_LEVEL", "debug"),
            ("API_KEY", "k3y"),
            ("KEEP", "no"),
        ]));
        match apply(&mut build.clone(), &request, &values, true) {
            Err(Error::Invalid(d)) => {
                let shown: Vec<String> = d.items.iter().map(|i| i.to_string()).collect();
                assert_eq!(shown.len(), 1, "{shown:?}");
                assert!(
                    shown[0].contains("_services[0].envVars[2].varName: ${REGION} is not set"),
                    "{shown:?}"
                );
            }
            other => panic!("expected an error, got {other:?}"),
        }
        let values = Values::from_map(map(&[
            ("LOG_LEVEL", "debug"),
            ("REGION", "eu"),
            ("API_KEY", "k3y"),
        ]));
        let filled = apply(&mut build, &request, &values, true).unwrap();
        assert_eq!(
            filled.secrets,
            Some(SecretFill {
                filled: 1,
                missing: vec![]
            })
        );
        let config = build
            .manifests
            .iter()
            .find(|m| m.kind == "ConfigMap")
            .unwrap();
        assert_eq!(
            config.object["data"],
            serde_json::json!({"MODE": "${KEEP}", "LOG_LEVEL": "debug", "REGION": "eu"})
        );
        let secret = build.manifests.iter().find(|m| m.is_secret()).unwrap();
        assert_eq!(secret.object["stringData"]["API_KEY"], "k3y");
    }

    #[test]
    fn without_filling_the_placeholders_are_listed() {
        let state = "namespace: shop\n_services:\n  - {name: api, image: \"api:1\", envVars: [{key: A, type: variable}]}\n";
        let mut build = crate::pipeline::build(state, "s", &Default::default()).unwrap();
        let filled = apply(&mut build, &Request::default(), &Values::default(), false).unwrap();
        assert_eq!(
            filled.kept,
            [("_services[0].envVars[0]".to_string(), "A".to_string())]
        );
        let notes = notes(&filled, false);
        assert!(
            notes[0].contains(
                "1 value(s) keep their ${NAME} placeholder: ${A} (_services[0].envVars[0])"
            ),
            "{notes:?}"
        );
    }
}
