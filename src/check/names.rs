//! Kubernetes names and "did you mean" suggestions.

const MAX_LABEL: usize = 63;

/// A DNS-1123 label: lower-case alphanumerics and `-`, starting and ending
/// with an alphanumeric, at most 63 characters.
pub fn check_dns_label(name: &str) -> Result<(), String> {
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let valid_ends = !name.starts_with('-') && !name.ends_with('-');
    if name.is_empty() {
        Err("found an empty name; a DNS-1123 label is required (lower-case letters, digits and '-')".into())
    } else if !valid_chars || !valid_ends {
        Err(format!(
            "found \"{name}\"; a name must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit"
        ))
    } else if name.len() > MAX_LABEL {
        Err(format!(
            "found \"{name}\" ({} characters); a name is at most {MAX_LABEL} characters",
            name.len()
        ))
    } else {
        Ok(())
    }
}

/// The name of a Service object: a DNS-1035 label, that is a DNS-1123
/// label that starts with a letter (the name becomes a DNS name).
pub fn check_service_name(name: &str) -> Result<(), String> {
    check_dns_label(name)?;
    if name.starts_with(|c: char| c.is_ascii_lowercase()) {
        Ok(())
    } else {
        Err(format!(
            "found \"{name}\"; the name of a Service must start with a letter (a DNS-1035 label)"
        ))
    }
}

/// A label key: an optional DNS-subdomain prefix and `/`, then a name of at
/// most 63 alphanumerics, `-`, `_` or `.`, starting and ending alphanumeric.
pub fn check_label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty() && p.len() <= 253 && p.split('.').all(|l| check_dns_label(l).is_ok())
    });
    if prefix_ok && !name.is_empty() && label_value_ok(name) {
        Ok(())
    } else {
        Err(format!(
            "found label key \"{key}\"; expected an optional prefix/ and a name of at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        ))
    }
}

/// A label value: empty, or at most 63 alphanumerics, `-`, `_` or `.`,
/// starting and ending alphanumeric.
pub fn check_label_value(value: &str) -> Result<(), String> {
    if label_value_ok(value) {
        Ok(())
    } else {
        Err(format!(
            "found label value \"{value}\"; expected at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        ))
    }
}

/// Free text (a project's display name) made a label value: each run of
/// characters a label cannot hold becomes one `-`, the ends are trimmed to
/// a letter or digit, and the result is cut to 63 characters. `None` when
/// nothing usable is left.
pub fn to_label_value(text: &str) -> Option<String> {
    let mut value = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            value.push(c);
        } else if !value.ends_with('-') {
            value.push('-');
        }
    }
    let not_alnum = |c: char| !c.is_ascii_alphanumeric();
    let value = value.trim_matches(not_alnum);
    // Only ASCII is left, so any byte index is a character boundary.
    let value = value[..value.len().min(MAX_LABEL)].trim_end_matches(not_alnum);
    (!value.is_empty()).then(|| value.to_string())
}

fn label_value_ok(value: &str) -> bool {
    let ends_ok = |c: Option<char>| c.is_none_or(|c| c.is_ascii_alphanumeric());
    value.len() <= MAX_LABEL
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && ends_ok(value.chars().next())
        && ends_ok(value.chars().last())
}

/// A DNS-1123 subdomain (the names of most objects: ConfigMaps, Secrets,
/// StorageClasses): DNS labels separated by dots, at most 253 characters.
pub fn check_dns_subdomain(name: &str) -> Result<(), String> {
    if is_subdomain(name) {
        Ok(())
    } else {
        Err(format!(
            "found \"{name}\"; expected a Kubernetes object name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
        ))
    }
}

fn is_subdomain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| check_dns_label(label).is_ok())
}

/// An Ingress host: a DNS-1123 subdomain, optionally with a leading `*.`.
pub fn check_host(host: &str) -> Result<(), String> {
    let bare = host.strip_prefix("*.").unwrap_or(host);
    // The API server refuses an IP address as an Ingress host.
    if bare.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(format!(
            "found \"{host}\", an IP address; an Ingress host must be a DNS name such as app.example.com"
        ));
    }
    if is_subdomain(bare) {
        Ok(())
    } else {
        Err(format!(
            "found \"{host}\"; expected a host name such as app.example.com (lower-case DNS labels separated by dots, optionally starting with *.)"
        ))
    }
}

/// A ConfigMap or Secret key (an environment variable's name): letters,
/// digits, `-`, `_` and `.`.
pub fn check_env_key(key: &str) -> Result<(), String> {
    let ok = !key.is_empty()
        && key.len() <= 253
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok && key != "." && key != ".." {
        Ok(())
    } else {
        Err(format!(
            "found \"{key}\"; a key may hold only letters, digits, '-', '_' and '.'"
        ))
    }
}

/// One label: a valid key and a valid value.
pub fn check_label(key: &str, value: &str) -> Result<(), String> {
    check_label_key(key)?;
    check_label_value(value)
}

/// The pairs of a node selector written as `"k=v, k2=v2"`, trimmed, each
/// checked as a label; an entry that is not `key=value` is an error.
pub fn selector_pairs(text: &str) -> impl Iterator<Item = Result<(&str, &str), String>> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(move |pair| match pair.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                let (k, v) = (k.trim(), v.trim());
                check_label(k, v).map(|()| (k, v))
            }
            _ => Err(format!(
                "found \"{pair}\" in \"{text}\"; each entry must be key=value, separated by commas"
            )),
        })
}

/// A node selector written as `"k=v, k2=v2"`: each pair a label key and value.
pub fn check_selector(text: &str) -> Result<(), String> {
    selector_pairs(text).try_for_each(|pair| pair.map(drop))
}

/// The candidate closest to `word` by edit distance, when it is close enough
/// to be a plausible typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let length = word.chars().count();
    let limit = (length / 3).max(2);
    let word = word.to_lowercase();
    candidates
        .into_iter()
        // The distance is at least the difference in length: most
        // candidates are ruled out without computing it (a state with
        // 100,000 unknown keys compares each with every known key).
        .filter(|c| c.chars().count().abs_diff(length) <= limit)
        .map(|c| (edit_distance(&word, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_become_label_values() {
        assert_eq!(to_label_value("shop").as_deref(), Some("shop"));
        assert_eq!(to_label_value("My Shop").as_deref(), Some("My-Shop"));
        assert_eq!(
            to_label_value("  (Shop) / EU  ").as_deref(),
            Some("Shop-EU")
        );
        assert_eq!(to_label_value("shop_v2.1").as_deref(), Some("shop_v2.1"));
        assert_eq!(to_label_value("Café").as_deref(), Some("Caf"));
        assert_eq!(to_label_value(" ** ").as_deref(), None);
        let long = format!("{}-x", "a".repeat(62));
        assert_eq!(to_label_value(&long), Some("a".repeat(62)));
        for text in ["My Shop", "  (Shop) / EU  ", &long, "a.b-_c"] {
            let value = to_label_value(text).unwrap_or_default();
            assert!(check_label_value(&value).is_ok(), "{value}");
        }
    }

    #[test]
    fn labels() {
        assert!(check_dns_label("api-2").is_ok());
        assert!(check_dns_label("Api").is_err());
        assert!(check_dns_label("-api").is_err());
        assert!(check_dns_label("api-").is_err());
        assert!(check_dns_label("a_b").is_err());
        assert!(check_dns_label(&"a".repeat(63)).is_ok());
        assert!(check_dns_label(&"a".repeat(64)).is_err());
        assert!(check_dns_label("").is_err());
    }

    #[test]
    fn subdomains() {
        assert!(check_dns_subdomain("ebs.csi.aws.com").is_ok());
        assert!(check_dns_subdomain("longhorn").is_ok());
        assert!(check_dns_subdomain("Longhorn").is_err());
        assert!(check_dns_subdomain("a..b").is_err());
    }

    #[test]
    fn hosts() {
        assert!(check_host("app.example.com").is_ok());
        assert!(check_host("*.example.com").is_ok());
        assert!(check_host("App.example.com").is_err());
        assert!(check_host("a..b").is_err());
        assert!(check_host("10.0.0.1").is_err());
        assert!(check_host("10.0.0.1.example.com").is_ok());
    }

    #[test]
    fn env_keys_and_selectors() {
        assert!(check_env_key("APP_ENV").is_ok());
        assert!(check_env_key("APP ENV").is_err());
        assert!(check_env_key("").is_err());
        assert!(check_selector("disk=ssd, kubernetes.io/os=linux").is_ok());
        assert!(check_selector("disk").unwrap_err().contains("key=value"));
        assert!(check_selector("disk=fast ssd").is_err());
    }

    #[test]
    fn suggestions() {
        assert_eq!(closest("imgae", ["image", "name", "port"]), Some("image"));
        assert_eq!(closest("replica", ["replicas", "port"]), Some("replicas"));
        assert_eq!(closest("zzzzzz", ["image", "name"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
