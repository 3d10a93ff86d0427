//! When a failed message is tried again.

use std::time::Duration;

/// The waits after each failed attempt; once they are used up, a message
/// fails for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(Vec<Duration>);

/// Why a retry schedule could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a retry schedule: give waits such as 30s,2m,10m,1h,6h")]
pub struct BadSchedule(String);

/// One wait written as a number and a unit, `s`, `m`, `h` or `d`: `30s`,
/// `5d`.
pub fn parse_wait(wait: &str) -> Option<Duration> {
    let wait = wait.trim();
    let unit = wait.chars().last()?;
    let number: u64 = wait[..wait.len() - unit.len_utf8()].parse().ok()?;
    let seconds = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 24 * 3600,
        _ => return None,
    };
    number.checked_mul(seconds).map(Duration::from_secs)
}

impl RetrySchedule {
    /// E-mail's: 30 s, 2 min, 10 min, 1 h, 6 h; six attempts over about 7 h
    /// ride out a mail server's restart or a night's outage.
    pub fn email() -> Self {
        RetrySchedule(
            [30, 120, 600, 3600, 6 * 3600]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
        )
    }

    /// Webhooks': 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after the first
    /// attempt (Svix's), eight attempts over about 28 h; the sender adds up
    /// to a fifth of each wait as jitter, so a receiver that comes back is
    /// not hit by every retry at once.
    pub fn webhook() -> Self {
        RetrySchedule(
            [5, 300, 1800, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
        )
    }

    /// The schedule `waits` lists, comma-separated, each a number and a unit
    /// (`s`, `m`, `h`): `30s,2m,10m,1h,6h`.
    pub fn parse(waits: &str) -> Result<Self, BadSchedule> {
        waits
            .split(',')
            .map(|wait| parse_wait(wait).ok_or_else(|| BadSchedule(waits.to_owned())))
            .collect::<Result<Vec<_>, _>>()
            .map(RetrySchedule)
    }

    /// How long to wait after the `failures`-th failed attempt; none once the
    /// schedule is used up.
    pub fn after(&self, failures: u32) -> Option<Duration> {
        let index = usize::try_from(failures).ok()?.checked_sub(1)?;
        self.0.get(index).copied()
    }

    /// How many attempts a message gets in all.
    pub fn attempts(&self) -> usize {
        self.0.len() + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_e_mail_is_tried_six_times_then_fails_for_good() {
        let schedule = RetrySchedule::email();
        assert_eq!(schedule.after(1), Some(Duration::from_secs(30)));
        assert_eq!(schedule.after(5), Some(Duration::from_secs(6 * 3600)));
        assert_eq!(schedule.after(6), None);
        assert_eq!(schedule.attempts(), 6);
    }

    #[test]
    fn a_schedule_is_read_from_its_waits_and_nonsense_is_refused() {
        assert_eq!(
            RetrySchedule::parse("30s,2m,10m,1h,6h"),
            Ok(RetrySchedule::email())
        );
        assert_eq!(RetrySchedule::parse("1s").unwrap().attempts(), 2);
        assert_eq!(parse_wait("5d"), Some(Duration::from_secs(5 * 24 * 3600)));
        for bad in ["", "30", "2w", "s", "1s,,2s", "-1s"] {
            assert!(RetrySchedule::parse(bad).is_err(), "{bad:?}");
        }
    }
}
