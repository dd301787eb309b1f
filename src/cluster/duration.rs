//! Durations as kubectl reads them (`--request-timeout`, `--timeout`): a
//! plain number of seconds, or Go's `1h2m3s` / `500ms` form.

use std::time::Duration;

/// Parse a kubectl duration. `0` means "no limit" and gives `None`.
pub fn parse(text: &str) -> Result<Option<Duration>, String> {
    let text = text.trim();
    let duration = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| invalid(text))?
    } else {
        parse_units(text)?
    };
    Ok((!duration.is_zero()).then_some(duration))
}

fn invalid(text: &str) -> String {
    format!(
        "invalid duration {text:?}: use a number of seconds or a value like 30s, 2m, 1h30m, 500ms (0 means no limit)"
    )
}

/// Go's `time.ParseDuration`: one or more `<number><unit>` pairs.
fn parse_units(text: &str) -> Result<Duration, String> {
    let mut rest = text;
    let mut total = 0.0_f64;
    if rest.is_empty() {
        return Err(invalid(text));
    }
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| invalid(text))?;
        let number: f64 = rest[..number_len].parse().map_err(|_| invalid(text))?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(invalid(text)),
        };
        total += number * seconds_per_unit;
        rest = &rest[unit_len..];
    }
    Duration::try_from_secs_f64(total).map_err(|_| invalid(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_seconds_and_units() {
        assert_eq!(parse("30"), Ok(Some(Duration::from_secs(30))));
        assert_eq!(parse("30s"), Ok(Some(Duration::from_secs(30))));
        assert_eq!(parse("1m"), Ok(Some(Duration::from_secs(60))));
        assert_eq!(parse("1h30m"), Ok(Some(Duration::from_secs(5400))));
        assert_eq!(parse("500ms"), Ok(Some(Duration::from_millis(500))));
        assert_eq!(parse("1.5s"), Ok(Some(Duration::from_millis(1500))));
    }

    #[test]
    fn zero_means_no_limit() {
        assert_eq!(parse("0"), Ok(None));
        assert_eq!(parse("0s"), Ok(None));
    }

    #[test]
    fn nonsense_is_refused_with_the_allowed_forms() {
        for bad in ["", "ten", "5 minutes", "-1s", "1d", "s"] {
            let error = parse(bad).unwrap_err();
            assert!(error.contains("30s, 2m"), "{bad}: {error}");
        }
    }
}
