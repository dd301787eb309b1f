//! CronJob schedules, accepted exactly when kube-apiserver 1.33 accepts
//! them: its cron parser (robfig/cron's standard one) takes five fields or
//! a macro (`@hourly` ..., `@every <duration>`), and the API refuses a
//! `TZ=` or `CRON_TZ=` in the schedule (`timeZone` says that). The cases
//! in `tests/data/cron-schedules.txt` hold this check and the test API
//! server to the same answers.

const MACROS: [&str; 7] = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

struct Field {
    name: &'static str,
    min: u64,
    max: u64,
    names: &'static [&'static str],
}

const FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
    },
    Field {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: &MONTHS,
    },
    Field {
        name: "day of week",
        min: 0,
        max: 6,
        names: &DAYS,
    },
];

pub fn check_schedule(schedule: &str) -> Result<(), String> {
    let allowed = format!(
        "a five-field cron expression (minute hour day-of-month month day-of-week, e.g. \"*/5 * * * *\"), one of {} or \"@every <duration>\" (e.g. \"@every 1h30m\")",
        MACROS.join(", ")
    );
    if schedule.contains("TZ") {
        return Err(format!(
            "found \"{schedule}\": a time zone cannot be given in the schedule (TZ= or CRON_TZ=); the API server refuses it, expected {allowed}"
        ));
    }
    if schedule.starts_with('@') {
        return check_macro(schedule)
            .map_err(|why| format!("found \"{schedule}\"{why}; expected {allowed}"));
    }
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "found \"{schedule}\" ({} fields); expected {allowed}",
            fields.len()
        ));
    }
    for (text, field) in fields.iter().zip(FIELDS.iter()) {
        check_field(text, field).map_err(|why| format!("found \"{schedule}\": {why}"))?;
    }
    Ok(())
}

/// A macro is taken as written: no case folding, no trailing space.
fn check_macro(schedule: &str) -> Result<(), String> {
    if MACROS.contains(&schedule) {
        return Ok(());
    }
    match schedule.strip_prefix("@every ") {
        Some(duration) if is_duration(duration) => Ok(()),
        Some(duration) => Err(format!(
            ": \"{duration}\" is not a duration (a number and a unit, h m s ms us ns, repeated: 90s, 1h30m, 1.5h)"
        )),
        None => Err(String::new()),
    }
}

/// A Go duration: `[+-]`, then number+unit pairs (a number has digits,
/// with at most one `.`), or `0` alone.
fn is_duration(text: &str) -> bool {
    let mut rest = text.strip_prefix(['+', '-']).unwrap_or(text);
    if rest == "0" {
        return true;
    }
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let split = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(split);
        if !number.chars().any(|c| c.is_ascii_digit()) || number.matches('.').count() > 1 {
            return false;
        }
        let split = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(split);
        if !["ns", "us", "µs", "μs", "ms", "s", "m", "h"].contains(&unit) {
            return false;
        }
        rest = tail;
    }
    true
}

fn check_field(text: &str, field: &Field) -> Result<(), String> {
    // Empty items of a list (`1,,2`) are skipped, as the parser does.
    for part in text.split(',').filter(|p| !p.is_empty()) {
        check_part(part, field).map_err(|why| {
            format!(
                "{} field \"{text}\" {why} (allowed {}-{}, *, ?, ranges a-b, steps /n, lists a,b)",
                field.name, field.min, field.max
            )
        })?;
    }
    Ok(())
}

fn check_part(part: &str, field: &Field) -> Result<(), String> {
    let pieces: Vec<&str> = part.split('/').collect();
    let bounds: Vec<&str> = pieces[0].split('-').collect();
    // `*` and `?` stand for the whole range (whatever follows a `-`).
    let (low, mut high) = if bounds[0] == "*" || bounds[0] == "?" {
        (field.min, field.max)
    } else {
        let low = value(bounds[0], field)?;
        match bounds.as_slice() {
            [_] => (low, low),
            [_, high] => (low, value(high, field)?),
            _ => return Err("has more than one '-'".into()),
        }
    };
    match pieces.as_slice() {
        [_] => {}
        [_, step] => {
            match number(step) {
                Some(n) if n > 0 => {}
                _ => return Err(format!("has a bad step \"/{step}\"")),
            }
            // `5/15` runs from 5 to the end of the range.
            if bounds.len() == 1 {
                high = field.max;
            }
        }
        _ => return Err("has more than one '/'".into()),
    }
    if low < field.min || high > field.max {
        let outside = if low < field.min { low } else { high };
        return Err(format!("has {outside}, out of range"));
    }
    if low > high {
        return Err(format!("has a range {low}-{high} that runs backwards"));
    }
    Ok(())
}

fn value(text: &str, field: &Field) -> Result<u64, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(pos) = field.names.iter().position(|n| *n == lower) {
        return Ok(pos as u64 + field.min);
    }
    number(text).ok_or_else(|| format!("has \"{text}\", which is not a number"))
}

/// A decimal number, with an optional `+` (the parser allows it).
fn number(text: &str) -> Option<u64> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::check_schedule;

    /// The cases shared with the test API server: ok lines pass, bad fail.
    #[test]
    fn agrees_with_the_api_server_on_the_shared_cases() {
        let table = include_str!("../../tests/data/cron-schedules.txt");
        let mut cases = 0;
        for line in table
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let mut columns = line.split('\t');
            let (verdict, schedule) = (columns.next(), columns.next().unwrap_or(""));
            match verdict {
                Some("ok") => assert!(
                    check_schedule(schedule).is_ok(),
                    "{schedule:?}: {:?}",
                    check_schedule(schedule)
                ),
                Some("bad") => assert!(check_schedule(schedule).is_err(), "{schedule:?}"),
                other => panic!("unknown verdict {other:?} in {line:?}"),
            }
            cases += 1;
        }
        assert!(cases > 40, "the table has its cases");
    }

    #[test]
    fn errors_say_which_field_and_why() {
        let error = check_schedule("61 * * * *").unwrap_err();
        assert!(
            error.contains("minute field \"61\" has 61, out of range (allowed 0-59"),
            "{error}"
        );
        let error = check_schedule("TZ=UTC 0 * * * *").unwrap_err();
        assert!(error.contains("time zone cannot be given"), "{error}");
        let error = check_schedule("@every 5").unwrap_err();
        assert!(error.contains("\"5\" is not a duration"), "{error}");
    }
}
