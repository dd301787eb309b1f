//! Kubernetes resource quantities (`10Gi`, `500m`, `0.5`, `1e3`).

const SUFFIXES: [&str; 13] = [
    "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T",
];
const MORE_SUFFIXES: [&str; 2] = ["P", "E"];

/// A non-negative quantity as the API server's parser accepts it.
pub fn check_quantity(value: &str) -> Result<(), String> {
    let allowed = "a Kubernetes quantity such as 10Gi, 512Mi, 500m or 0.5 (suffixes Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or an exponent e3)";
    let bad = || Err(format!("found \"{value}\"; expected {allowed}"));
    let unsigned = value.strip_prefix('+').unwrap_or(value);
    if unsigned.starts_with('-') {
        return Err(format!(
            "found \"{value}\"; a quantity here must not be negative"
        ));
    }
    let split = unsigned
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(split);
    if !valid_number(number) || !valid_suffix(suffix) {
        return bad();
    }
    Ok(())
}

/// A quantity that must be more than zero (a claim's size: the API
/// server refuses `0`).
pub fn check_positive_quantity(value: &str) -> Result<(), String> {
    check_quantity(value)?;
    if amount(value).is_some_and(|a| a > 0.0) {
        Ok(())
    } else {
        Err(format!(
            "found \"{value}\"; expected a quantity greater than zero, such as 1Gi"
        ))
    }
}

/// The amount a valid quantity stands for, in base units (`500m` is 0.5,
/// `1Ki` is 1024), close enough to compare a request with a limit.
pub fn amount(value: &str) -> Option<f64> {
    let unsigned = value.strip_prefix('+').unwrap_or(value);
    let split = unsigned
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        exponent => 10f64.powi(exponent.get(1..)?.parse::<i32>().ok()?),
    };
    Some(number * scale)
}

fn valid_number(number: &str) -> bool {
    let mut parts = number.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    match parts.next() {
        None => !whole.is_empty(),
        Some(fraction) => (!whole.is_empty() || !fraction.is_empty()) && !fraction.contains('.'),
    }
}

fn valid_suffix(suffix: &str) -> bool {
    if suffix.is_empty() || SUFFIXES.contains(&suffix) || MORE_SUFFIXES.contains(&suffix) {
        return true;
    }
    // Decimal exponent: e or E followed by a signed integer.
    let Some(exponent) = suffix.strip_prefix(['e', 'E']) else {
        return false;
    };
    let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_compare_across_suffixes() {
        use super::amount;
        assert_eq!(amount("500m"), Some(0.5));
        assert_eq!(amount("1Ki"), Some(1024.0));
        assert_eq!(amount("1e3"), Some(1000.0));
        assert!(amount("1Gi") > amount("1G"));
        assert!(super::check_positive_quantity("0").is_err());
        assert!(super::check_positive_quantity("0.0Gi").is_err());
        assert!(super::check_positive_quantity("1m").is_ok());
    }

    use super::check_quantity;

    #[test]
    fn accepts_kubernetes_quantities() {
        for ok in [
            "10Gi",
            "500m",
            "0.5",
            "1",
            ".5",
            "1.",
            "128974848",
            "129e6",
            "1E3",
            "2Ti",
            "1k",
            "+1Gi",
        ] {
            assert!(check_quantity(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_non_quantities() {
        for bad in [
            "10GB", "ten", "", "1..2", "Gi", "10 Gi", "1e", "-1Gi", "0x10", "1.2.3", ".",
        ] {
            assert!(check_quantity(bad).is_err(), "{bad}");
        }
    }
}
