//! A tenant's payment reminders (dunning): when an open invoice's customer is
//! reminded, counted in days from its due date (negative: before it). The
//! steps are what the reminder process follows; no step, no reminders.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Most steps a schedule holds.
pub const MAX_DUNNING_STEPS: usize = 6;
/// Earliest a reminder may come, in days before the due date.
pub const EARLIEST_DAYS_BEFORE_DUE: i32 = 30;
/// Latest a reminder may come, in days after the due date.
pub const LATEST_DAYS_AFTER_DUE: i32 = 365;

/// One reminder of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DunningStep {
    /// Days after the due date it is sent (`-3`: three days before; `7`: a
    /// week overdue).
    pub days_after_due: i32,
}

/// The reminders of a tenant, in the order they are sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct DunningPolicy {
    /// The steps, earliest first; none: no reminders.
    pub steps: Vec<DunningStep>,
}

/// Why a reminder schedule is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum DunningError {
    /// More steps than a schedule holds.
    #[error("a reminder schedule has at most {MAX_DUNNING_STEPS} steps")]
    TooManySteps,
    /// A step out of range.
    #[error("a reminder comes {EARLIEST_DAYS_BEFORE_DUE} days before the due date at the earliest and {LATEST_DAYS_AFTER_DUE} days after it at the latest, not {0}")]
    OutOfRange(i32),
    /// Two steps on the same day.
    #[error("two reminders on day {0}: each step needs its own day")]
    SameDay(i32),
}

impl DunningPolicy {
    /// The schedule with its steps in order, or why it is refused.
    pub fn validated(mut self) -> Result<Self, DunningError> {
        if self.steps.len() > MAX_DUNNING_STEPS {
            return Err(DunningError::TooManySteps);
        }
        if let Some(step) = self.steps.iter().find(|s| {
            s.days_after_due < -EARLIEST_DAYS_BEFORE_DUE || s.days_after_due > LATEST_DAYS_AFTER_DUE
        }) {
            return Err(DunningError::OutOfRange(step.days_after_due));
        }
        self.steps.sort_by_key(|s| s.days_after_due);
        if let Some(pair) = self
            .steps
            .windows(2)
            .find(|pair| pair[0].days_after_due == pair[1].days_after_due)
        {
            return Err(DunningError::SameDay(pair[0].days_after_due));
        }
        Ok(self)
    }

    /// The number (from 1) of the latest step due on `days_after_due`, if
    /// any is: what a reminder run on that day catches up to.
    pub fn step_due(&self, days_after_due: i64) -> Option<usize> {
        self.steps
            .iter()
            .rposition(|s| i64::from(s.days_after_due) <= days_after_due)
            .map(|index| index + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(days: &[i32]) -> DunningPolicy {
        DunningPolicy {
            steps: days
                .iter()
                .map(|d| DunningStep { days_after_due: *d })
                .collect(),
        }
    }

    #[test]
    fn a_schedule_is_kept_in_order_and_sane() {
        assert_eq!(
            policy(&[30, -3, 14, 7]).validated(),
            Ok(policy(&[-3, 7, 14, 30]))
        );
        assert_eq!(policy(&[7, 7]).validated(), Err(DunningError::SameDay(7)));
        assert_eq!(
            policy(&[-31]).validated(),
            Err(DunningError::OutOfRange(-31))
        );
        assert_eq!(
            policy(&[1, 2, 3, 4, 5, 6, 7]).validated(),
            Err(DunningError::TooManySteps)
        );
        assert_eq!(policy(&[]).validated(), Ok(policy(&[])));
    }

    #[test]
    fn the_step_due_is_the_latest_whose_day_has_come() {
        let schedule = policy(&[-3, 7, 14, 30]);
        assert_eq!(schedule.step_due(-4), None);
        assert_eq!(schedule.step_due(-3), Some(1));
        assert_eq!(schedule.step_due(6), Some(1));
        assert_eq!(schedule.step_due(7), Some(2));
        assert_eq!(schedule.step_due(45), Some(4));
        assert_eq!(policy(&[]).step_due(100), None);
    }
}
