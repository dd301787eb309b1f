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

fn label_value_ok(value: &str) -> bool {
    let ends_ok = |c: Option<char>| c.is_none_or(|c| c.is_ascii_alphanumeric());
    value.len() <= MAX_LABEL
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && ends_ok(value.chars().next())
        && ends_ok(value.chars().last())
}

/// The candidate closest to `word` by edit distance, when it is close enough
/// to be a plausible typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), c))
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
    fn suggestions() {
        assert_eq!(closest("imgae", ["image", "name", "port"]), Some("image"));
        assert_eq!(closest("replica", ["replicas", "port"]), Some("replicas"));
        assert_eq!(closest("zzzzzz", ["image", "name"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
