//! What the expense e-mails say, in English, German and Spanish: to approvers
//! that a claim waits for them, to employees what became of theirs.

use chrono::NaiveDate;
use folio_documents::locale::Locale;
use rust_decimal::Decimal;

use super::templates::MailText;

/// An amount in its currency, as a template writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    /// The amount.
    pub value: Decimal,
    /// The decimals its currency writes.
    pub places: u32,
    /// ISO 4217 code.
    pub currency: String,
}

impl Amount {
    fn written(&self, locale: Locale) -> String {
        format!(
            "{} {}",
            locale.fixed(self.value, self.places),
            self.currency
        )
    }
}

/// The claim an expense e-mail is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpenseFacts {
    /// Who claims it (their subject).
    pub employee: String,
    /// Who was paid.
    pub merchant: String,
    /// What it was for.
    pub description: String,
    /// When it was incurred.
    pub incurred_on: NaiveDate,
    /// The amount claimed.
    pub amount: Amount,
    /// Whose Folio writes (the tenant's name).
    pub organisation: String,
}

/// What happened to the claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpenseNews {
    /// It waits for the reader's decision.
    Waiting,
    /// It was approved.
    Approved {
        /// By whom.
        by: String,
    },
    /// It was rejected.
    Rejected {
        /// By whom.
        by: String,
        /// Why.
        reason: String,
    },
    /// It was sent back for changes.
    Returned {
        /// By whom.
        by: String,
        /// What to change.
        reason: String,
    },
    /// The employee was paid back.
    Reimbursed {
        /// When.
        on: NaiveDate,
        /// The payment batch.
        batch: String,
        /// How much.
        paid: Amount,
    },
}

/// The e-mail of `news` about the claim `facts`, in `locale`.
pub fn expense_mail(locale: Locale, facts: &ExpenseFacts, news: &ExpenseNews) -> MailText {
    let claim = Claim {
        employee: &facts.employee,
        merchant: &facts.merchant,
        description: &facts.description,
        incurred: locale.date(facts.incurred_on),
        amount: facts.amount.written(locale),
    };
    let (subject, mut paragraphs) = match locale {
        Locale::En => english(&claim, news),
        Locale::De => german(&claim, news),
        Locale::Es => spanish(&claim, news),
    };
    paragraphs.push(match locale {
        Locale::En => format!("Folio, for {}", facts.organisation),
        Locale::De => format!("Folio, für {}", facts.organisation),
        Locale::Es => format!("Folio, para {}", facts.organisation),
    });
    MailText::of(locale, subject, &paragraphs)
}

/// The claim's facts, written in the mail's language.
struct Claim<'a> {
    employee: &'a str,
    merchant: &'a str,
    description: &'a str,
    incurred: String,
    amount: String,
}

fn english(c: &Claim<'_>, news: &ExpenseNews) -> (String, Vec<String>) {
    let (merchant, amount, incurred) = (c.merchant, &c.amount, &c.incurred);
    let yours = format!("your expense of {amount} at {merchant} on {incurred}");
    match news {
        ExpenseNews::Waiting => (
            format!("Expense waiting for your decision: {merchant}, {amount}"),
            vec![
                "Hello,".to_owned(),
                format!(
                    "{} claims {amount} for {} at {merchant} on {incurred}. It waits for your decision in Folio.",
                    c.employee, c.description
                ),
            ],
        ),
        ExpenseNews::Approved { by } => (
            format!("Expense approved: {merchant}, {amount}"),
            vec![
                format!("Hello {},", c.employee),
                format!("{yours} was approved by {by}. It is paid back with the next reimbursement."),
            ],
        ),
        ExpenseNews::Rejected { by, reason } => (
            format!("Expense rejected: {merchant}, {amount}"),
            vec![
                format!("Hello {},", c.employee),
                format!("{yours} was rejected by {by}."),
                format!("Reason: {reason}"),
            ],
        ),
        ExpenseNews::Returned { by, reason } => (
            format!("Expense returned for changes: {merchant}, {amount}"),
            vec![
                format!("Hello {},", c.employee),
                format!("{yours} was sent back by {by} for changes."),
                format!("What to change: {reason}"),
                "Amend it in Folio to submit it again.".to_owned(),
            ],
        ),
        ExpenseNews::Reimbursed { on, batch, paid } => (
            format!("Expense paid back: {merchant}, {amount}"),
            vec![
                format!("Hello {},", c.employee),
                format!(
                    "{yours} was paid back: {} on {} (batch {batch}).",
                    paid.written(Locale::En),
                    Locale::En.date(*on)
                ),
            ],
        ),
    }
}

fn german(c: &Claim<'_>, news: &ExpenseNews) -> (String, Vec<String>) {
    let (merchant, amount, incurred) = (c.merchant, &c.amount, &c.incurred);
    let yours = format!("Ihre Ausgabe über {amount} bei {merchant} vom {incurred}");
    match news {
        ExpenseNews::Waiting => (
            format!("Ausgabe wartet auf Ihre Entscheidung: {merchant}, {amount}"),
            vec![
                "Guten Tag,".to_owned(),
                format!(
                    "{} macht {amount} für {} bei {merchant} vom {incurred} geltend. Die Ausgabe wartet in Folio auf Ihre Entscheidung.",
                    c.employee, c.description
                ),
            ],
        ),
        ExpenseNews::Approved { by } => (
            format!("Ausgabe genehmigt: {merchant}, {amount}"),
            vec![
                format!("Guten Tag {},", c.employee),
                format!("{yours} wurde von {by} genehmigt. Sie wird mit der nächsten Erstattung ausgezahlt."),
            ],
        ),
        ExpenseNews::Rejected { by, reason } => (
            format!("Ausgabe abgelehnt: {merchant}, {amount}"),
            vec![
                format!("Guten Tag {},", c.employee),
                format!("{yours} wurde von {by} abgelehnt."),
                format!("Begründung: {reason}"),
            ],
        ),
        ExpenseNews::Returned { by, reason } => (
            format!("Ausgabe zur Überarbeitung zurückgegeben: {merchant}, {amount}"),
            vec![
                format!("Guten Tag {},", c.employee),
                format!("{yours} wurde von {by} zur Überarbeitung zurückgegeben."),
                format!("Zu ändern: {reason}"),
                "Ändern Sie sie in Folio, um sie erneut einzureichen.".to_owned(),
            ],
        ),
        ExpenseNews::Reimbursed { on, batch, paid } => (
            format!("Ausgabe erstattet: {merchant}, {amount}"),
            vec![
                format!("Guten Tag {},", c.employee),
                format!(
                    "{yours} wurde erstattet: {} am {} (Zahlungslauf {batch}).",
                    paid.written(Locale::De),
                    Locale::De.date(*on)
                ),
            ],
        ),
    }
}

fn spanish(c: &Claim<'_>, news: &ExpenseNews) -> (String, Vec<String>) {
    let (merchant, amount, incurred) = (c.merchant, &c.amount, &c.incurred);
    let yours = format!("su gasto de {amount} en {merchant} del {incurred}");
    match news {
        ExpenseNews::Waiting => (
            format!("Gasto pendiente de su decisión: {merchant}, {amount}"),
            vec![
                "Hola:".to_owned(),
                format!(
                    "{} solicita {amount} por {} en {merchant} del {incurred}. El gasto espera su decisión en Folio.",
                    c.employee, c.description
                ),
            ],
        ),
        ExpenseNews::Approved { by } => (
            format!("Gasto aprobado: {merchant}, {amount}"),
            vec![
                format!("Hola {}:", c.employee),
                format!("{} fue aprobado por {by}. Se le reembolsará en el próximo pago.", capitalised(&yours)),
            ],
        ),
        ExpenseNews::Rejected { by, reason } => (
            format!("Gasto rechazado: {merchant}, {amount}"),
            vec![
                format!("Hola {}:", c.employee),
                format!("{} fue rechazado por {by}.", capitalised(&yours)),
                format!("Motivo: {reason}"),
            ],
        ),
        ExpenseNews::Returned { by, reason } => (
            format!("Gasto devuelto para cambios: {merchant}, {amount}"),
            vec![
                format!("Hola {}:", c.employee),
                format!("{} fue devuelto por {by} para que lo corrija.", capitalised(&yours)),
                format!("Qué cambiar: {reason}"),
                "Corríjalo en Folio para enviarlo de nuevo.".to_owned(),
            ],
        ),
        ExpenseNews::Reimbursed { on, batch, paid } => (
            format!("Gasto reembolsado: {merchant}, {amount}"),
            vec![
                format!("Hola {}:", c.employee),
                format!(
                    "{} fue reembolsado: {} el {} (lote {batch}).",
                    capitalised(&yours),
                    paid.written(Locale::Es),
                    Locale::Es.date(*on)
                ),
            ],
        ),
    }
}

/// `text` with its first letter upper case.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(cents: i64) -> Amount {
        Amount {
            value: Decimal::new(cents, 2),
            places: 2,
            currency: "EUR".into(),
        }
    }

    fn facts() -> ExpenseFacts {
        ExpenseFacts {
            employee: "ana".into(),
            merchant: "Taxi <Berlin>".into(),
            description: "ride to the airport".into(),
            incurred_on: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            amount: eur(123_450),
            organisation: "Muster GmbH".into(),
        }
    }

    #[test]
    fn an_approver_reads_who_claims_what_in_their_language() {
        let en = expense_mail(Locale::En, &facts(), &ExpenseNews::Waiting);
        assert_eq!(
            en.subject,
            "Expense waiting for your decision: Taxi <Berlin>, 1,234.50 EUR"
        );
        assert!(
            en.text.contains("ana claims 1,234.50 EUR for ride to the airport at Taxi <Berlin> on 30 November 2026."),
            "{}",
            en.text
        );
        assert!(en.html.contains("Taxi &lt;Berlin&gt;"), "{}", en.html);
        let de = expense_mail(Locale::De, &facts(), &ExpenseNews::Waiting);
        assert!(de.text.contains("1.234,50 EUR"), "{}", de.text);
        assert!(de.text.contains("vom 30.11.2026"), "{}", de.text);
    }

    #[test]
    fn a_rejected_or_returned_claim_says_why() {
        let news = ExpenseNews::Returned {
            by: "boss".into(),
            reason: "attach the receipt".into(),
        };
        let es = expense_mail(Locale::Es, &facts(), &news);
        assert_eq!(
            es.subject,
            "Gasto devuelto para cambios: Taxi <Berlin>, 1.234,50 EUR"
        );
        assert!(
            es.text.contains(
                "Su gasto de 1.234,50 EUR en Taxi <Berlin> del 30/11/2026 fue devuelto por boss"
            ),
            "{}",
            es.text
        );
        assert!(
            es.text.contains("Qué cambiar: attach the receipt"),
            "{}",
            es.text
        );
        let rejected = ExpenseNews::Rejected {
            by: "boss".into(),
            reason: "private trip".into(),
        };
        let de = expense_mail(Locale::De, &facts(), &rejected);
        assert!(de.text.contains("Begründung: private trip"), "{}", de.text);
    }

    #[test]
    fn a_reimbursement_names_what_was_paid_when_and_in_which_batch() {
        let news = ExpenseNews::Reimbursed {
            on: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            batch: "PAY-49".into(),
            paid: eur(123_450),
        };
        let en = expense_mail(Locale::En, &facts(), &news);
        assert!(
            en.text
                .contains("was paid back: 1,234.50 EUR on 4 December 2026 (batch PAY-49)."),
            "{}",
            en.text
        );
        assert!(en.text.ends_with("Folio, for Muster GmbH\n"), "{}", en.text);
    }
}
