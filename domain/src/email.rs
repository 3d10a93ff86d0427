//! What Folio takes for an e-mail address: the shape every mail server
//! accepts (RFC 5321's `local@domain`, at most 254 characters, a domain with a
//! dot). Whether the mailbox exists only the receiving server can say.

/// Whether `text` has the shape of an e-mail address.
pub fn is_email_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    text.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_told_from_other_recipients() {
        for address in ["ap@acme.example", "a.b+invoices@sub.acme.example"] {
            assert!(is_email_address(address), "{address}");
        }
        for other in [
            "",
            "ap",
            "@acme.example",
            "ap@localhost",
            "ap@acme..example",
            "ap@.acme.example",
            "ap@acme.example.",
            "ap@b@acme.example",
            "ap @acme.example",
            "ap@acme.example\r\nBcc: x@y.z",
            "Peppol 0088:4035811991021",
        ] {
            assert!(!is_email_address(other), "{other:?}");
        }
    }
}
