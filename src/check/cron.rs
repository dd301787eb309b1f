//! CronJob schedules: five cron fields, or one of the `@` macros that
//! Kubernetes' cron parser understands.

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
    min: u32,
    max: u32,
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
        "a five-field cron expression (minute hour day-of-month month day-of-week, e.g. \"*/5 * * * *\") or one of {}",
        MACROS.join(", ")
    );
    let trimmed = schedule.trim();
    if trimmed.starts_with('@') {
        return if MACROS.contains(&trimmed) {
            Ok(())
        } else {
            Err(format!("found \"{schedule}\"; expected {allowed}"))
        };
    }
    let fields: Vec<&str> = trimmed.split_whitespace().collect();
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

fn check_field(text: &str, field: &Field) -> Result<(), String> {
    for part in text.split(',') {
        check_part(part, field).map_err(|why| {
            format!(
                "{} field \"{text}\" {why} (allowed {}-{}, *, ranges a-b, steps /n, lists a,b)",
                field.name, field.min, field.max
            )
        })?;
    }
    Ok(())
}

fn check_part(part: &str, field: &Field) -> Result<(), String> {
    let (range, step) = match part.split_once('/') {
        Some((range, step)) => (range, Some(step)),
        None => (part, None),
    };
    if let Some(step) = step {
        match step.parse::<u32>() {
            Ok(n) if n > 0 => {}
            _ => return Err(format!("has a bad step \"/{step}\"")),
        }
    }
    // `?` means "no specific value" and is only meaningful for the day fields.
    let day_field = field.name.starts_with("day");
    if range == "*" || (range == "?" && day_field) {
        return Ok(());
    }
    let (low, high) = match range.split_once('-') {
        Some((low, high)) => (value(low, field)?, value(high, field)?),
        None => {
            let v = value(range, field)?;
            (v, v)
        }
    };
    if low > high {
        return Err(format!("has a range {low}-{high} that runs backwards"));
    }
    Ok(())
}

fn value(text: &str, field: &Field) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(pos) = field.names.iter().position(|n| *n == lower) {
        return Ok(pos as u32 + field.min);
    }
    match text.parse::<u32>() {
        Ok(v) if (field.min..=field.max).contains(&v) => Ok(v),
        Ok(v) => Err(format!("has {v}, out of range")),
        Err(_) => Err(format!("has \"{text}\", which is not a number")),
    }
}

#[cfg(test)]
mod tests {
    use super::check_schedule;

    #[test]
    fn accepts() {
        for ok in [
            "*/5 * * * *",
            "0 3 * * 1-5",
            "@hourly",
            "15,45 0-23/2 1 jan-jun MON",
            "0 0 ? * *",
            "  0 0 1 1 0 ",
        ] {
            assert!(check_schedule(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "* * * *",
            "* * * * * *",
            "60 * * * *",
            "* 24 * * *",
            "@every",
            "@every 5m",
            "*/0 * * * *",
            "5-1 * * * *",
            "x * * * *",
            "* * 0 * *",
            "* * * 13 *",
        ] {
            assert!(check_schedule(bad).is_err(), "{bad}");
        }
    }
}
