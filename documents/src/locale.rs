//! The languages documents and e-mails are written in, and how each writes
//! dates, amounts and rates. Formatting is done here, in Rust and tested, so
//! templates (the PDF's, the e-mails') only lay out text.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// A language documents and e-mails are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    /// English: `2 November 2026`, `1,234.56`.
    En,
    /// German: `02.11.2026`, `1.234,56`.
    De,
    /// Spanish: `02/11/2026`, `1.234,56`.
    Es,
}

/// Why a locale name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a language documents are printed in (en, de, es)")]
pub struct UnknownLocale(pub String);

impl std::str::FromStr for Locale {
    type Err = UnknownLocale;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim().to_ascii_lowercase().as_str() {
            "en" => Ok(Locale::En),
            "de" => Ok(Locale::De),
            "es" => Ok(Locale::Es),
            _ => Err(UnknownLocale(name.to_owned())),
        }
    }
}

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Locale {
    /// The language of `country` (ISO 3166-1 alpha-2) where Folio writes
    /// it: German for DE/AT/CH/LI, Spanish for Spain and Spanish-speaking
    /// America, English elsewhere.
    pub fn of_country(country: &str) -> Self {
        const GERMAN: [&str; 4] = ["DE", "AT", "CH", "LI"];
        const SPANISH: [&str; 19] = [
            "ES", "MX", "AR", "BO", "CL", "CO", "CR", "CU", "DO", "EC", "GT", "HN", "NI", "PA",
            "PE", "PY", "SV", "UY", "VE",
        ];
        if GERMAN.contains(&country) {
            Locale::De
        } else if SPANISH.contains(&country) {
            Locale::Es
        } else {
            Locale::En
        }
    }

    /// Its ISO 639-1 code (`en`, `de`, `es`).
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Es => "es",
        }
    }

    /// A date as the locale writes it.
    pub fn date(self, date: NaiveDate) -> String {
        match self {
            Locale::En => {
                let month = EN_MONTHS[date.month0() as usize];
                format!("{} {month} {}", date.day(), date.year())
            }
            Locale::De => date.format("%d.%m.%Y").to_string(),
            Locale::Es => date.format("%d/%m/%Y").to_string(),
        }
    }

    fn separators(self) -> (char, char) {
        match self {
            Locale::En => (',', '.'),
            Locale::De | Locale::Es => ('.', ','),
        }
    }

    /// A number at exactly `places` decimals, with the locale's thousands and
    /// decimal separators (`-1,234.50`, `-1.234,50`).
    pub fn fixed(self, number: Decimal, places: u32) -> String {
        let text = format!("{:.*}", places as usize, number.abs());
        self.grouped(&text, number.is_sign_negative() && !number.is_zero())
    }

    /// A quantity, price or rate at its own precision, without trailing
    /// zeros (`12.5`, `0.625`, `19`).
    pub fn plain(self, number: Decimal) -> String {
        let text = number.abs().normalize().to_string();
        self.grouped(&text, number.is_sign_negative() && !number.is_zero())
    }

    /// A rate in percent (`19%`, `19 %`).
    pub fn percent(self, percent: Decimal) -> String {
        match self {
            Locale::En => format!("{}%", self.plain(percent)),
            Locale::De | Locale::Es => format!("{}\u{a0}%", self.plain(percent)),
        }
    }

    fn grouped(self, text: &str, negative: bool) -> String {
        let (thousands, decimal) = self.separators();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits: Vec<char> = whole.chars().collect();
        let mut out = String::new();
        if negative {
            out.push('-');
        }
        for (index, digit) in digits.iter().enumerate() {
            if index > 0 && (digits.len() - index) % 3 == 0 {
                out.push(thousands);
            }
            out.push(*digit);
        }
        if !fraction.is_empty() {
            out.push(decimal);
            out.push_str(fraction);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn amounts_take_the_locale_s_separators() {
        assert_eq!(Locale::En.fixed(dec!(1234567.5), 2), "1,234,567.50");
        assert_eq!(Locale::De.fixed(dec!(1234567.5), 2), "1.234.567,50");
        assert_eq!(Locale::Es.fixed(dec!(-200), 2), "-200,00");
        assert_eq!(Locale::En.fixed(dec!(999), 0), "999");
        assert_eq!(Locale::En.fixed(dec!(-0.00), 2), "0.00");
    }

    #[test]
    fn quantities_and_rates_keep_their_own_precision() {
        assert_eq!(Locale::De.plain(dec!(12.500)), "12,5");
        assert_eq!(Locale::En.plain(dec!(0.625)), "0.625");
        assert_eq!(Locale::En.percent(dec!(19.00)), "19%");
        assert_eq!(Locale::De.percent(dec!(7)), "7\u{a0}%");
    }

    #[test]
    fn dates_are_written_the_locale_s_way() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        assert_eq!(Locale::En.date(date), "2 November 2026");
        assert_eq!(Locale::De.date(date), "02.11.2026");
        assert_eq!(Locale::Es.date(date), "02/11/2026");
    }

    #[test]
    fn a_country_s_language_is_german_spanish_or_else_english() {
        assert_eq!(Locale::of_country("AT"), Locale::De);
        assert_eq!(Locale::of_country("MX"), Locale::Es);
        assert_eq!(Locale::of_country("FR"), Locale::En);
    }

    #[test]
    fn a_locale_is_named_by_its_language_code() {
        assert_eq!("DE".parse::<Locale>(), Ok(Locale::De));
        assert_eq!("fr".parse::<Locale>(), Err(UnknownLocale("fr".to_owned())));
    }
}
