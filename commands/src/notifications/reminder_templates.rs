//! What a payment reminder says, in English, German and Spanish: before the
//! due date a friendly note that the invoice falls due, after it that the
//! amount is still open, with the usual "if you have paid, ignore this".

use folio_documents::locale::Locale;

use super::templates::{InvoiceFacts, MailText};

/// The payment reminder of the invoice `facts` tells of (its `amount` is
/// what is still due), `days_after_due` days from its due date, in `locale`.
pub fn payment_reminder(locale: Locale, facts: &InvoiceFacts, days_after_due: i64) -> MailText {
    let amount = facts.amount_in(locale);
    let (number, seller, buyer) = (&facts.number, &facts.seller, &facts.buyer);
    let issued = locale.date(facts.issued);
    let due = facts.due.map(|due| locale.date(due)).unwrap_or_default();
    let before = days_after_due < 0;
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
    MailText::of(locale, subject, &paragraphs)
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

    #[test]
    fn before_the_due_date_it_reminds_and_after_it_says_what_is_open() {
        let before = payment_reminder(Locale::En, &facts(), -3);
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
        let after = payment_reminder(Locale::De, &facts(), 14);
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
        let es = payment_reminder(Locale::Es, &facts(), 7);
        assert!(
            es.text
                .contains("sigue pendiente: quedan 500,25 EUR por pagar."),
            "{}",
            es.text
        );
        assert!(es.html.contains("<html lang=\"es\">"), "{}", es.html);
    }
}
