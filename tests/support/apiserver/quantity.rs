//! Kubernetes quantities as the API server stores them: parsed, then
//! written back in canonical form (`0.5` → `500m`, `1.5Gi` → `1536Mi`,
//! `1000` → `1k`), as `resource.Quantity` does when an object is decoded.

use std::cmp::Ordering;

/// A quantity as an exact value: `mantissa × 10^exp10 × 2^exp2`, and
/// whether it was written with a binary suffix.
#[derive(Debug, Clone, Copy)]
struct Parsed {
    mantissa: i128,
    exp10: i32,
    exp2: u32,
    binary: bool,
}

fn parse(text: &str) -> Option<Parsed> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let (negative, digits) = match number.as_bytes().first()? {
        b'-' => (true, &number[1..]),
        b'+' => (false, &number[1..]),
        _ => (false, number),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !(whole.bytes().all(|b| b.is_ascii_digit()) && fraction.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut mantissa: i128 = format!("{whole}{fraction}").parse().ok()?;
    if negative {
        mantissa = -mantissa;
    }
    let mut exp10 = -(fraction.len() as i32);
    let (mut exp2, mut binary) = (0, false);
    match suffix {
        "" => {}
        "n" => exp10 -= 9,
        "u" => exp10 -= 6,
        "m" => exp10 -= 3,
        "k" => exp10 += 3,
        "M" => exp10 += 6,
        "G" => exp10 += 9,
        "T" => exp10 += 12,
        "P" => exp10 += 15,
        "E" => exp10 += 18,
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => {
            let step = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
                .iter()
                .position(|s| *s == suffix)? as u32
                + 1;
            exp2 = 10 * step;
            binary = true;
        }
        _ => return None,
    }
    Some(Parsed {
        mantissa,
        exp10,
        exp2,
        binary,
    })
}

/// The canonical text of a quantity, or `None` when `text` is not one
/// (validation reports that) or is too large to handle exactly here.
pub fn canonical(text: &str) -> Option<String> {
    let p = parse(text)?;
    // Fold the binary factor into the mantissa.
    let mut mantissa = p.mantissa.checked_mul(1i128.checked_shl(p.exp2)?)?;
    let mut exp10 = p.exp10;
    // Normalise: no trailing zeros in the mantissa, exponent at least -9
    // (nano is the finest unit; finer values round up, as the API does).
    while mantissa != 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        exp10 += 1;
    }
    if mantissa == 0 {
        return Some("0".into());
    }
    while exp10 < -9 {
        let rounded_up = mantissa % 10 != 0;
        mantissa = mantissa / 10 + i128::from(rounded_up && mantissa > 0);
        exp10 += 1;
    }
    if p.binary && exp10 >= 0 {
        let bytes = mantissa.checked_mul(10i128.checked_pow(exp10 as u32)?)?;
        if bytes.abs() >= 1024 {
            return Some(binary_text(bytes));
        }
    }
    Some(decimal_text(mantissa, exp10))
}

/// The largest binary suffix that divides the value exactly.
fn binary_text(bytes: i128) -> String {
    const SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    let mut value = bytes;
    let mut step = 0;
    while step < 6 && value % 1024 == 0 {
        value /= 1024;
        step += 1;
    }
    format!("{value}{}", SUFFIXES[step])
}

/// The decimal suffix with an exponent that is a multiple of 3 at or
/// below the value's own, so the number stays whole.
fn decimal_text(mantissa: i128, exp10: i32) -> String {
    let scale = exp10.div_euclid(3) * 3;
    let scale = scale.clamp(-9, 18);
    let digits = (exp10 - scale) as u32;
    let value = mantissa * 10i128.pow(digits);
    let suffix = match scale {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        _ => "E",
    };
    format!("{value}{suffix}")
}

/// Compares two quantities by value; `None` if either is not one.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let (a, b) = (parse(a)?, parse(b)?);
    // Scale both to a common base of 10^-9 × 2^0 (exact for the sizes
    // that matter here).
    let value = |p: Parsed| -> Option<i128> {
        let m = p.mantissa.checked_mul(1i128.checked_shl(p.exp2)?)?;
        let shift = p.exp10 + 9;
        if shift >= 0 {
            m.checked_mul(10i128.checked_pow(shift as u32)?)
        } else {
            Some(m / 10i128.checked_pow((-shift) as u32)?)
        }
    };
    Some(value(a)?.cmp(&value(b)?))
}
