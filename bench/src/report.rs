//! The result table: each figure beside its baseline, the ratio and the target;
//! printed for people and written as JSON for tools.

use serde::Serialize;

/// Which way a figure is better.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Rates: the ratio is Folio ÷ baseline.
    Higher,
    /// Latencies and times: the ratio is baseline ÷ Folio (so above 1 is still
    /// "Folio is faster").
    Lower,
}

/// One line of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Figure number and name, e.g. `1 RecordPayment, 8 clients`.
    pub figure: String,
    /// What is measured, e.g. `commands/s`.
    pub metric: String,
    /// Folio's value.
    pub folio: f64,
    /// The baseline's value, when the figure has one.
    pub baseline: Option<f64>,
    /// What the baseline is.
    pub baseline_is: String,
    /// Which way is better.
    pub better: Better,
    /// Folio relative to the baseline (higher is better, see [`Better`]).
    pub ratio: Option<f64>,
    /// The target, as text, e.g. `>= 0.5`.
    pub target: Option<String>,
    /// Whether the target is met, when there is one.
    pub met: Option<bool>,
}

impl Row {
    /// A row with a baseline; `target` is the least acceptable ratio.
    pub fn compared(
        figure: impl Into<String>,
        metric: impl Into<String>,
        folio: f64,
        baseline: f64,
        baseline_is: impl Into<String>,
        better: Better,
        target: Option<f64>,
    ) -> Self {
        let ratio = match better {
            Better::Higher => folio / baseline,
            Better::Lower => baseline / folio,
        };
        Row {
            figure: figure.into(),
            metric: metric.into(),
            folio,
            baseline: Some(baseline),
            baseline_is: baseline_is.into(),
            better,
            ratio: Some(ratio),
            target: target.map(|t| format!(">= {t}")),
            met: target.map(|t| ratio >= t),
        }
    }

    /// A row whose target is an upper bound on Folio's own value (growth ratios).
    pub fn bounded(
        figure: impl Into<String>,
        metric: impl Into<String>,
        folio: f64,
        at_most: f64,
    ) -> Self {
        Row {
            target: Some(format!("<= {at_most}")),
            met: Some(folio <= at_most),
            ..Row::reported(figure, metric, folio)
        }
    }

    /// A row that only reports a value.
    pub fn reported(figure: impl Into<String>, metric: impl Into<String>, folio: f64) -> Self {
        Row {
            figure: figure.into(),
            metric: metric.into(),
            folio,
            baseline: None,
            baseline_is: "-".into(),
            better: Better::Lower,
            ratio: None,
            target: None,
            met: None,
        }
    }
}

fn number(value: f64) -> String {
    if value.is_nan() {
        "-".into()
    } else if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else if value.abs() >= 0.1 {
        format!("{value:.2}")
    } else {
        format!("{value:.4}")
    }
}

/// The table as Markdown (it reads as a table in a terminal and in the README).
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| figure | metric | Folio | baseline | baseline is | ratio | target | met |\n|---|---|---:|---:|---|---:|---|---|\n",
    );
    for row in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            row.figure,
            row.metric,
            number(row.folio),
            row.baseline.map_or("-".into(), number),
            row.baseline_is,
            row.ratio.map_or("-".into(), |r| format!("{}x", number(r))),
            row.target.as_deref().unwrap_or("-"),
            match row.met {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "-",
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_say_how_folio_compares_whichever_way_is_better() {
        let rate = Row::compared("1", "ops/s", 50.0, 100.0, "raw", Better::Higher, Some(0.5));
        assert_eq!((rate.ratio, rate.met), (Some(0.5), Some(true)));
        let latency = Row::compared("3", "p50 ms", 4.0, 1.0, "raw", Better::Lower, None);
        assert_eq!((latency.ratio, latency.met), (Some(0.25), None));
        let growth = Row::bounded("5", "x", 1.6, 1.5);
        assert_eq!(growth.met, Some(false));
    }
}
