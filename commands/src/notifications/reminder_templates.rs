//! What a payment reminder says, in English, German and Spanish: before the
//! due date a friendly note that the invoice falls due, after it that the
//! amount is still open, with the usual "if you have paid, ignore this".

use folio_documents::locale::Locale;
use folio_domain::money::Money;

use super::templates::{InvoiceFacts, MailText};

/// What a reminder adds to the invoice's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// Days from the due date (negative: before it).
    pub days_after_due: i64,
    /// The late fee it charges, before tax, if any.
    pub late_fee: Option<Money>,
}

/// The payment reminder of the invoice `facts` tells of (its `amount` is
/// what is still due), in `locale`.
pub fn payment_reminder(locale: Locale, facts: &InvoiceFacts, reminder: &Reminder) -> MailText {
    let amount = facts.amount_in(locale);
    let (number, seller, buyer) = (&facts.number, &facts.seller, &facts.buyer);
    let issued = locale.date(facts.issued);
    let due = facts.due.map(|due| locale.date(due)).unwrap_or_default();
    let before = reminder.days_after_due < 0;
    let fee = reminder.late_fee.map(|fee| {
        let places = fee.currency.minor_units();
        format!(
            "{} {}",
            locale.fixed(fee.amount, places),
            fee.currency.code()
        )
    });
    let (subject, paragraphs) = match locale {
        Locale::En => (
            format!("Payment reminder: invoice {number} from {seller}"),
            [
                format!("Dear {buyer},"),
                if before {
                    format!("a friendly reminder that invoice {number} of {issued} falls due on {due}: {amount} to pay.")
                } else {
                    format!("according to our records, invoice {number} of {issued}, due on {due}, is still open: {amount} remain to be paid.")
                },
                "The invoice is attached again. If you have paid it in the meantime, please disregard this message; for any question, simply reply to this e-mail.".to_owned(),
                format!("Kind regards,\n{seller}"),
            ],
        ),
        Locale::De => (
            format!("Zahlungserinnerung: Rechnung {number} von {seller}"),
            [
                format!("Guten Tag {buyer},"),
                if before {
                    format!("wir erinnern Sie freundlich daran, dass unsere Rechnung {number} vom {issued} am {due} fällig wird: {amount}.")
                } else {
                    format!("unsere Rechnung {number} vom {issued}, fällig am {due}, ist laut unserer Buchhaltung noch offen: {amount} stehen zur Zahlung aus.")
                },
                "Die Rechnung finden Sie noch einmal im Anhang. Sollten Sie inzwischen gezahlt haben, betrachten Sie diese E-Mail bitte als gegenstandslos; bei Fragen antworten Sie einfach auf diese E-Mail.".to_owned(),
                format!("Mit freundlichen Grüßen\n{seller}"),
            ],
        ),
        Locale::Es => (
            format!("Recordatorio de pago: factura {number} de {seller}"),
            [
                format!("Estimado/a {buyer}:"),
                if before {
                    format!("le recordamos que la factura {number} del {issued} vence el {due}: {amount} por pagar.")
                } else {
                    format!("según nuestros registros, la factura {number} del {issued}, con vencimiento el {due}, sigue pendiente: quedan {amount} por pagar.")
                },
                "Le adjuntamos de nuevo la factura. Si ya la ha pagado, por favor ignore este mensaje; si tiene alguna pregunta, responda a este correo.".to_owned(),
                format!("Atentamente,\n{seller}"),
            ],
        ),
    };
    let mut paragraphs = paragraphs.to_vec();
    if let Some(fee) = fee {
        paragraphs.insert(2, late_fee_sentence(locale, &fee));
    }
    MailText::of(locale, subject, &paragraphs)
}

/// The sentence that names the late fee a reminder charges.
fn late_fee_sentence(locale: Locale, fee: &str) -> String {
    match locale {
        Locale::En => format!("A late fee of {fee} (plus tax where it applies) is charged with this reminder; its invoice follows in a separate e-mail."),
        Locale::De => format!("Mit dieser Zahlungserinnerung berechnen wir eine Mahngebühr von {fee} (zuzüglich Steuer, wo sie anfällt); die Rechnung dazu erhalten Sie mit gesonderter E-Mail."),
        Locale::Es => format!("Con este recordatorio se cobra un cargo por mora de {fee} (más los impuestos que correspondan); su factura le llegará en un correo aparte."),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    use super::*;

    fn facts() -> InvoiceFacts {
        InvoiceFacts {
            buyer: "Acme GmbH".into(),
            seller: "Muster GmbH".into(),
            number: "INV-2026-7".into(),
            issued: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default(),
            due: NaiveDate::from_ymd_opt(2026, 12, 2),
            amount: Decimal::new(50025, 2),
            places: 2,
            currency: "EUR".into(),
        }
    }

    fn at(days_after_due: i64) -> Reminder {
        Reminder {
            days_after_due,
            late_fee: None,
        }
    }

    #[test]
    fn a_reminder_that_charges_a_fee_names_it() {
        let eur = folio_domain::money::Currency::from_code("EUR").unwrap();
        let reminder = Reminder {
            days_after_due: 14,
            late_fee: Some(Money::new(Decimal::new(500, 2), eur)),
        };
        let de = payment_reminder(Locale::De, &facts(), &reminder);
        assert!(
            de.text.contains("eine Mahngebühr von 5,00 EUR"),
            "{}",
            de.text
        );
        let plain = payment_reminder(Locale::De, &facts(), &at(14));
        assert!(!plain.text.contains("Mahngebühr"), "{}", plain.text);
    }

    #[test]
    fn before_the_due_date_it_reminds_and_after_it_says_what_is_open() {
        let before = payment_reminder(Locale::En, &facts(), &at(-3));
        assert_eq!(
            before.subject,
            "Payment reminder: invoice INV-2026-7 from Muster GmbH"
        );
        assert!(
            before
                .text
                .contains("falls due on 2 December 2026: 500.25 EUR to pay."),
            "{}",
            before.text
        );
        let after = payment_reminder(Locale::De, &facts(), &at(14));
        assert_eq!(
            after.subject,
            "Zahlungserinnerung: Rechnung INV-2026-7 von Muster GmbH"
        );
        assert!(
            after.text.contains(
                "fällig am 02.12.2026, ist laut unserer Buchhaltung noch offen: 500,25 EUR"
            ),
            "{}",
            after.text
        );
        let es = payment_reminder(Locale::Es, &facts(), &at(7));
        assert!(
            es.text
                .contains("sigue pendiente: quedan 500,25 EUR por pagar."),
            "{}",
            es.text
        );
        assert!(es.html.contains("<html lang=\"es\">"), "{}", es.html);
    }
}
