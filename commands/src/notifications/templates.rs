//! What Folio's e-mails say, in each language it writes (English, German,
//! Spanish), as plain text and as HTML with the same sentences. Dates and
//! amounts are written the language's way ([`Locale`]).

use chrono::NaiveDate;
use folio_documents::locale::Locale;
use rust_decimal::Decimal;

/// What an invoice's e-mail tells, whatever its language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceFacts {
    /// The customer's name.
    pub buyer: String,
    /// The seller's name.
    pub seller: String,
    /// The invoice's number.
    pub number: String,
    /// Its issue date.
    pub issued: NaiveDate,
    /// Its due date, if it has one.
    pub due: Option<NaiveDate>,
    /// The amount to pay.
    pub amount: Decimal,
    /// The decimals its currency writes.
    pub places: u32,
    /// ISO 4217 code of its currency.
    pub currency: String,
}

impl InvoiceFacts {
    /// The amount as `locale` writes it, with its currency's code.
    pub fn amount_in(&self, locale: Locale) -> String {
        format!(
            "{} {}",
            locale.fixed(self.amount, self.places),
            self.currency
        )
    }
}

/// An e-mail's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailText {
    /// The subject line.
    pub subject: String,
    /// The body as plain text.
    pub text: String,
    /// The same body as HTML.
    pub html: String,
}

impl MailText {
    /// An e-mail of `subject` whose body is `paragraphs`, as text (blank
    /// lines between them) and as HTML (each a `<p>`), in `locale`.
    pub fn of(locale: Locale, subject: String, paragraphs: &[String]) -> Self {
        MailText {
            subject,
            text: paragraphs.join("\n\n") + "\n",
            html: html(locale, paragraphs),
        }
    }
}

/// The e-mail that carries an invoice, in `locale`.
pub fn invoice_sent(locale: Locale, facts: &InvoiceFacts) -> MailText {
    let amount = facts.amount_in(locale);
    let (number, seller, buyer) = (&facts.number, &facts.seller, &facts.buyer);
    let issued = locale.date(facts.issued);
    let due = facts.due.map(|due| locale.date(due));
    let (subject, paragraphs) = match locale {
        Locale::En => (
            format!("Invoice {number} from {seller}"),
            [
                format!("Dear {buyer},"),
                format!(
                    "please find attached invoice {number} of {issued} for {amount}{}.",
                    due.map(|d| format!(", due on {d}")).unwrap_or_default()
                ),
                "For any question about it, simply reply to this e-mail.".to_owned(),
                format!("Kind regards,\n{seller}"),
            ],
        ),
        Locale::De => (
            format!("Rechnung {number} von {seller}"),
            [
                format!("Guten Tag {buyer},"),
                format!(
                    "anbei erhalten Sie unsere Rechnung {number} vom {issued} über {amount}{}.",
                    due.map(|d| format!(", fällig am {d}")).unwrap_or_default()
                ),
                "Bei Fragen dazu antworten Sie einfach auf diese E-Mail.".to_owned(),
                format!("Mit freundlichen Grüßen\n{seller}"),
            ],
        ),
        Locale::Es => (
            format!("Factura {number} de {seller}"),
            [
                format!("Estimado/a {buyer}:"),
                format!(
                    "le enviamos adjunta la factura {number} del {issued} por {amount}{}.",
                    due.map(|d| format!(", con vencimiento el {d}"))
                        .unwrap_or_default()
                ),
                "Si tiene alguna pregunta, responda a este correo.".to_owned(),
                format!("Atentamente,\n{seller}"),
            ],
        ),
    };
    MailText::of(locale, subject, &paragraphs)
}

/// `paragraphs` as an HTML document, each a `<p>`, every text escaped.
fn html(locale: Locale, paragraphs: &[String]) -> String {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>\n", escape(p).replace('\n', "<br>\n")))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"></head><body>\n{body}</body></html>\n",
        locale.code()
    )
}

/// `text` with HTML's special characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> InvoiceFacts {
        InvoiceFacts {
            buyer: "Acme <GmbH> & Co".into(),
            seller: "Muster GmbH".into(),
            number: "INV-2026-7".into(),
            issued: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
            due: NaiveDate::from_ymd_opt(2026, 12, 2),
            amount: Decimal::new(12345, 1),
            places: 2,
            currency: "EUR".into(),
        }
    }

    #[test]
    fn each_language_writes_the_invoice_its_own_way() {
        let en = invoice_sent(Locale::En, &facts());
        assert_eq!(en.subject, "Invoice INV-2026-7 from Muster GmbH");
        assert!(
            en.text
                .contains("of 2 November 2026 for 1,234.50 EUR, due on 2 December 2026."),
            "{}",
            en.text
        );
        let de = invoice_sent(Locale::De, &facts());
        assert_eq!(de.subject, "Rechnung INV-2026-7 von Muster GmbH");
        assert!(
            de.text
                .contains("vom 02.11.2026 über 1.234,50 EUR, fällig am 02.12.2026."),
            "{}",
            de.text
        );
        let es = invoice_sent(Locale::Es, &facts());
        assert_eq!(es.subject, "Factura INV-2026-7 de Muster GmbH");
        assert!(
            es.text
                .contains("del 02/11/2026 por 1.234,50 EUR, con vencimiento el 02/12/2026."),
            "{}",
            es.text
        );
    }

    #[test]
    fn the_html_says_the_same_with_every_name_escaped() {
        let de = invoice_sent(Locale::De, &facts());
        assert!(de.html.contains("<html lang=\"de\">"), "{}", de.html);
        assert!(
            de.html
                .contains("<p>Guten Tag Acme &lt;GmbH&gt; &amp; Co,</p>"),
            "{}",
            de.html
        );
        assert!(!de.html.contains("<GmbH>"), "{}", de.html);
        assert!(
            de.text.contains("Guten Tag Acme <GmbH> & Co,"),
            "{}",
            de.text
        );
    }

    #[test]
    fn without_a_due_date_none_is_named() {
        let facts = InvoiceFacts {
            due: None,
            ..facts()
        };
        let en = invoice_sent(Locale::En, &facts);
        assert!(en.text.contains("for 1,234.50 EUR.\n"), "{}", en.text);
    }
}
