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
    if value < min {
        return Err(format!(
            "found {value}; expected a whole number of at least {min}"
        ));
    }
    i32::try_from(value)
        .map(i64::from)
        .map_err(|_| format!("found {value}; that is too large"))
}

/// A Kubernetes int-or-string such as maxSurge: `1` is a count, `25%` a
/// share of the replicas (0% to 100%).
pub fn parse_int_or_percent(text: &str) -> Result<IntOrPercent, String> {
    let text = text.trim();
    if let Ok(n) = text.parse::<i32>() {
        if n >= 0 {
            return Ok(IntOrPercent::Int(n));
        }
    }
    let percent = text
        .strip_suffix('%')
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|p| *p <= 100);
    match percent {
        Some(_) => Ok(IntOrPercent::Str(text.to_string())),
        None => Err(format!(
            "found \"{text}\"; expected a whole number of at least 0 or a percentage from 0% to 100%"
        )),
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
        assert_eq!(parse_int_or_percent("1"), Ok(IntOrPercent::Int(1)));
        assert_eq!(
            parse_int_or_percent("25%"),
            Ok(IntOrPercent::Str("25%".into()))
        );
        assert!(parse_int_or_percent("101%").is_err());
        assert!(parse_int_or_percent("-1").is_err());
        assert!(parse_int_or_percent("1.5").is_err());
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
