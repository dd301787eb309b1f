//! Ratios measured in turns (shared by `render` and `process`): the
//! machine is shared and its speed moves within minutes, so each ratio is
//! taken within one round, and the rounds are summed up here.

/// The median of `ratios` and their range, as the benches print it.
pub fn summary(mut ratios: Vec<f64>) -> String {
    ratios.sort_by(f64::total_cmp);
    let rounds = ratios.len();
    match (ratios.first(), ratios.last()) {
        (Some(low), Some(high)) => format!(
            "{:.2} (median of {rounds} rounds in turns; {low:.2} to {high:.2})",
            ratios[rounds / 2]
        ),
        _ => "no rounds".to_string(),
    }
}
