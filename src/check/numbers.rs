//! Numbers typed as text: form collectors send `"8080"`, the wizard reads
//! what the user typed. Each parser says what it found and what is allowed.

use crate::model::IntOrPercent;

/// A whole number written as text (surrounding blanks are ignored).
pub fn parse_whole(text: &str) -> Result<i64, String> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| format!("found \"{text}\"; expected a whole number"))
}

/// A port number, 1–65535, written as text.
pub fn parse_port(text: &str) -> Result<i32, String> {
    parse_whole(text)
        .map_err(|_| format!("found \"{text}\"; expected a port, a whole number from 1 to 65535"))
        .and_then(super::check_port)
}

/// A whole number of at least `min` (replicas, partition, seconds, limits).
pub fn parse_at_least(text: &str, min: i64) -> Result<i64, String> {
    let value = parse_whole(text)
        .map_err(|_| format!("found \"{text}\"; expected a whole number of at least {min}"))?;
    at_least(value, min).map(i64::from)
}

/// A number of at least `min` that fits the API's 32-bit fields.
pub fn at_least(value: i64, min: i64) -> Result<i32, String> {
    if value < min {
        return Err(format!(
            "found {value}; expected a whole number of at least {min}"
        ));
    }
    i32::try_from(value).map_err(|_| format!("found {value}; that is too large"))
}

/// What an int-or-percent field accepts. `above_100` where the API allows
/// a percentage above 100% (`maxSurge` may add more pods than there are).
pub fn int_or_percent_allowed(above_100: bool) -> String {
    let range = if above_100 {
        "of at least 0%"
    } else {
        "from 0% to 100%"
    };
    format!("a whole number of at least 0 or a percentage {range}")
}

/// A Kubernetes int-or-string such as maxSurge: `1` is a count, `25%` a
/// share of the replicas; `None` when the text is neither.
pub fn int_or_percent(text: &str, above_100: bool) -> Option<IntOrPercent> {
    let text = text.trim();
    if let Ok(n) = text.parse::<i32>() {
        if n >= 0 {
            return Some(IntOrPercent::Int(n));
        }
    }
    text.strip_suffix('%')
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|p| above_100 || *p <= 100)
        .map(|_| IntOrPercent::Str(text.to_string()))
}

/// `int_or_percent` with a message that says what was found.
pub fn parse_int_or_percent(text: &str, above_100: bool) -> Result<IntOrPercent, String> {
    int_or_percent(text, above_100).ok_or_else(|| {
        format!(
            "found \"{}\"; expected {}",
            text.trim(),
            int_or_percent_allowed(above_100)
        )
    })
}

/// `0` and `0%` alike: a rollout step that lets no pod change.
pub fn is_zero(value: &IntOrPercent) -> bool {
    match value {
        IntOrPercent::Int(n) => *n == 0,
        IntOrPercent::Str(s) => s.trim_end_matches('%').parse::<u32>() == Ok(0),
    }
}

/// Ports for a mesh annotation: `"8080, 9090"` becomes `8080,9090`; an
/// empty list is `None`.
pub fn parse_port_list(text: &str) -> Result<Option<String>, String> {
    let ports: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if let Some(bad) = ports.iter().find(|p| parse_port(p).is_err()) {
        return Err(format!(
            "found \"{bad}\"; expected ports from 1 to 65535, separated by commas"
        ));
    }
    Ok((!ports.is_empty()).then(|| ports.join(",")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert_eq!(parse_port(" 8080 "), Ok(8080));
        assert!(parse_port("80a").unwrap_err().contains("\"80a\""));
        assert!(parse_port("0").unwrap_err().contains("1 to 65535"));
        assert!(parse_port("65536").is_err());
    }

    #[test]
    fn counts() {
        assert_eq!(parse_at_least("3", 0), Ok(3));
        assert!(parse_at_least("-1", 0).unwrap_err().contains("at least 0"));
        assert!(parse_at_least("x", 1).unwrap_err().contains("\"x\""));
        assert!(parse_at_least("99999999999", 0).is_err());
    }

    #[test]
    fn int_or_percent() {
        assert_eq!(parse_int_or_percent("1", false), Ok(IntOrPercent::Int(1)));
        assert_eq!(
            parse_int_or_percent("25%", false),
            Ok(IntOrPercent::Str("25%".into()))
        );
        assert!(parse_int_or_percent("101%", false).is_err());
        assert!(parse_int_or_percent("-1", false).is_err());
        assert!(parse_int_or_percent("1.5", false).is_err());
    }

    #[test]
    fn port_lists() {
        assert_eq!(
            parse_port_list("9090, 15020"),
            Ok(Some("9090,15020".into()))
        );
        assert_eq!(parse_port_list(" "), Ok(None));
        assert!(parse_port_list("9090,x").unwrap_err().contains("\"x\""));
    }
}
