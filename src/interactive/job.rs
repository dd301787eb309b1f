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
            None,
            check::check_schedule,
        )?;
        fields.set("schedule", schedule);
        fields.set(
            "concurrencyPolicy",
            ask.choose(
                "When a run is due while the last one still runs",
                CONCURRENCY,
                0,
            )?,
        );
    }
    fields.set_some("command", ask.command()?);
    let args = ask.optional(
        "Arguments, separated by spaces (Enter for none)",
        ask::anything,
    )?;
    fields.set_some("args", args);
    fields.set(
        "restartPolicy",
        ask.choose("When the container fails", RESTART_POLICIES, 0)?,
    );
    if ask.yes("Set retry, parallelism and time limits?", false)? {
        ask_numbers(ask, LIMITS, fields)?;
    }
    if cron && ask.yes("Set history limits, a start deadline or suspend it?", false)? {
        ask_cron_limits(ask, fields)?;
    }
    Ok(())
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
        fields.set_some(key, ask.optional_number(prompt, min)?);
    }
    Ok(())
}

fn ask_cron_limits(ask: &mut Ask<'_>, fields: &mut Fields) -> Result<()> {
    ask_numbers(ask, CRON_LIMITS, fields)?;
    if ask.yes("Create it suspended (no runs until you resume it)?", false)? {
        fields.set("suspend", true);
    }
    Ok(())
}
