//! Job and CronJob questions: what runs, how failures are retried, and for a
//! CronJob when it runs. The limits sit behind one yes/no, since their
//! Kubernetes defaults suit most jobs.

use super::ask::{self, Ask, Choice};
use super::Fields;
use crate::check;
use crate::error::Result;

const RESTART_POLICIES: &[Choice] = &[
    ("Never", "a failed pod is replaced by a new one (default)"),
    ("OnFailure", "the failed container restarts in the same pod"),
];

const CONCURRENCY: &[Choice] = &[
    ("Allow", "runs may overlap (default)"),
    ("Forbid", "skip a run while the previous one is still going"),
    ("Replace", "stop the previous run and start the new one"),
];

pub fn ask(ask: &mut Ask<'_>, kind: &str, fields: &mut Fields) -> Result<()> {
    let cron = kind == "CronJob";
    if cron {
        let schedule = ask.text(
            "Schedule, in cron format (e.g. \"0 3 * * *\" for 03:00 daily, or @hourly)",
            fields.text("schedule").as_deref(),
            check::check_schedule,
        )?;
        fields.answer("schedule", &schedule, schedule.as_str());
        let policy = ask.choose_from(
            "When a run is due while the last one still runs",
            CONCURRENCY,
            fields.str("concurrencyPolicy"),
            0,
        )?;
        fields.choice("concurrencyPolicy", policy, "Allow");
    }
    let command = ask.optional_from(
        "Command, run with sh -c (Enter for the image's default)",
        fields.text("command").as_deref(),
        ask::anything,
    )?;
    set_or_remove(fields, "command", command);
    let args = ask.optional_from(
        "Arguments, separated by spaces (Enter for none)",
        fields.text("args").as_deref(),
        ask::anything,
    )?;
    set_or_remove(fields, "args", args);
    let restart = ask.choose_from(
        "When the container fails",
        RESTART_POLICIES,
        fields.str("restartPolicy"),
        0,
    )?;
    fields.choice("restartPolicy", restart, "Never");
    let has_limits = LIMITS.iter().any(|(key, _, _)| fields.has(key));
    if ask.yes("Set retry, parallelism and time limits?", has_limits)? {
        ask_numbers(ask, LIMITS, fields)?;
    } else {
        remove_all(fields, LIMITS);
    }
    if cron {
        let has_limits =
            CRON_LIMITS.iter().any(|(key, _, _)| fields.has(key)) || fields.has("suspend");
        if ask.yes(
            "Set history limits, a start deadline or suspend it?",
            has_limits,
        )? {
            ask_cron_limits(ask, fields)?;
        } else {
            remove_all(fields, CRON_LIMITS);
            fields.remove("suspend");
        }
    }
    Ok(())
}

fn set_or_remove(fields: &mut Fields, key: &str, answer: Option<String>) {
    match answer {
        Some(answer) => fields.answer(key, &answer, answer.as_str()),
        None => fields.remove(key),
    }
}

fn remove_all(fields: &mut Fields, questions: &NumberQuestions) {
    for (key, _, _) in questions {
        fields.remove(key);
    }
}

/// Optional numbers: the state key, the question and the least value.
type NumberQuestions = [(&'static str, &'static str, i64)];

const LIMITS: &NumberQuestions = &[
    (
        "backoffLimit",
        "Retries before the job counts as failed (Enter for 6)",
        0,
    ),
    ("completions", "Successful pods needed (Enter for 1)", 0),
    ("parallelism", "Pods running at once (Enter for 1)", 0),
    (
        "activeDeadlineSeconds",
        "Time limit in seconds (Enter for none)",
        1,
    ),
    (
        "ttlSecondsAfterFinished",
        "Delete the finished job after this many seconds (Enter to keep it)",
        0,
    ),
];

const CRON_LIMITS: &NumberQuestions = &[
    (
        "successfulJobsHistoryLimit",
        "Finished jobs to keep (Enter for 3)",
        0,
    ),
    (
        "failedJobsHistoryLimit",
        "Failed jobs to keep (Enter for 1)",
        0,
    ),
    (
        "startingDeadlineSeconds",
        "Skip a run that cannot start within this many seconds (Enter for no limit)",
        0,
    ),
];

fn ask_numbers(ask: &mut Ask<'_>, questions: &NumberQuestions, fields: &mut Fields) -> Result<()> {
    for &(key, prompt, min) in questions {
        let parse = |a: &str| check::numbers::parse_at_least(a, min);
        let answer =
            ask.optional_from(prompt, fields.text(key).as_deref(), |a| parse(a).map(drop))?;
        match answer {
            Some(text) => {
                let number = parse(&text).map_err(crate::error::Error::Failed)?;
                fields.answer(key, &text, number);
            }
            None => fields.remove(key),
        }
    }
    Ok(())
}

fn ask_cron_limits(ask: &mut Ask<'_>, fields: &mut Fields) -> Result<()> {
    ask_numbers(ask, CRON_LIMITS, fields)?;
    let suspended = fields.get("suspend").and_then(serde_json::Value::as_bool) == Some(true);
    if ask.yes(
        "Create it suspended (no runs until you resume it)?",
        suspended,
    )? {
        fields.set("suspend", true);
    } else if suspended {
        fields.remove("suspend");
    }
    Ok(())
}
