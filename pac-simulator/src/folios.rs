//! The fiscal folios the simulator stamped, as SAT would know them: their
//! parties and total (what SAT's status service is asked by), and where a
//! cancellation of each stands under SAT's rules.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

/// The receiver SAT names for sales to the general public.
const GENERAL_PUBLIC: &str = "XAXX010101000";
/// Up to this total (pesos) a CFDI is cancelled without the receiver's
/// acceptance.
const SMALL_TOTAL: f64 = 1000.0;

/// A stamped CFDI as SAT knows it.
#[derive(Debug, Clone)]
pub(crate) struct Folio {
    /// The issuer's RFC.
    pub issuer_rfc: String,
    /// The receiver's RFC.
    pub receiver_rfc: String,
    /// Its `Total`, as written.
    pub total: String,
    /// The last 8 characters of its `Sello` (`fe` in SAT's query).
    pub seal_tail: String,
    /// When it was stamped (the simulator's clock).
    pub stamped_at: DateTime<Utc>,
    /// Where its cancellation stands.
    pub state: FolioState,
}

/// A folio's state at SAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FolioState {
    /// Valid, no cancellation asked (or the last one refused).
    Valid,
    /// A cancellation awaits the receiver's acceptance.
    AwaitingReceiver,
    /// The receiver refused the last cancellation: valid.
    RefusedByReceiver,
    /// Cancelled, with or without the receiver's acceptance.
    Cancelled {
        /// Whether the receiver accepted it.
        accepted: bool,
    },
}

impl Folio {
    /// Whether SAT cancels it without asking the receiver, at `now`: within
    /// `window` of its stamp, a small total, or the general public.
    pub fn cancels_without_acceptance(&self, now: DateTime<Utc>, window: TimeDelta) -> bool {
        now - self.stamped_at <= window
            || self.receiver_rfc == GENERAL_PUBLIC
            || self
                .total
                .parse::<f64>()
                .is_ok_and(|total| total <= SMALL_TOTAL)
    }

    /// Whether it is cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.state, FolioState::Cancelled { .. })
    }
}

/// The folios by UUID.
pub(crate) type Folios = HashMap<Uuid, Folio>;

/// `a` and `b` as the same amount (`1160.00` is `1160` is `01160.0`).
pub(crate) fn same_amount(a: &str, b: &str) -> bool {
    fn canonical(amount: &str) -> String {
        let amount = amount.trim().trim_start_matches('0');
        match amount.split_once('.') {
            Some((units, cents)) => {
                let cents = cents.trim_end_matches('0');
                if cents.is_empty() {
                    units.to_owned()
                } else {
                    format!("{units}.{cents}")
                }
            }
            None => amount.to_owned(),
        }
    }
    canonical(a) == canonical(b)
}

#[cfg(test)]
mod tests {
    use super::same_amount;

    #[test]
    fn amounts_compare_by_value_not_by_how_they_are_written() {
        assert!(same_amount("1160.00", "1160"));
        assert!(same_amount("0001160.500000", "1160.5"));
        assert!(!same_amount("1160.05", "1160.5"));
        assert!(!same_amount("116", "1160"));
    }
}
