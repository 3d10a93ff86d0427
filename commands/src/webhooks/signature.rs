//! Standard Webhooks signatures: `v1,` and the base64 of HMAC-SHA256 over
//! `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the secret's bytes
//! (a secret is written `whsec_` and their base64). Several signatures, one
//! per secret in force, go in one header separated by spaces.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// How a secret is written.
const PREFIX: &str = "whsec_";

/// Bytes of a new secret (192 bits, as Svix's).
const SECRET_BYTES: usize = 24;

/// A new secret, `whsec_...`, from the system's random source.
pub fn new_secret(random: &SystemRandom) -> Option<String> {
    let mut bytes = [0u8; SECRET_BYTES];
    random.fill(&mut bytes).ok()?;
    Some(format!("{PREFIX}{}", STANDARD.encode(bytes)))
}

/// The key bytes of a secret written `whsec_<base64>`.
pub fn secret_bytes(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(PREFIX)?).ok()
}

/// The `webhook-signature` value of `body` sent as `message_id` at
/// `timestamp` (Unix seconds), one `v1,` signature per secret.
pub fn signatures(secrets: &[Vec<u8>], message_id: &str, timestamp: i64, body: &[u8]) -> String {
    let signed = [
        message_id.as_bytes(),
        b".",
        timestamp.to_string().as_bytes(),
        b".",
        body,
    ]
    .concat();
    secrets
        .iter()
        .map(|secret| {
            let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), &signed);
            format!("v1,{}", STANDARD.encode(tag.as_ref()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specification_s_example_signs_as_it_says() {
        // The example of the Standard Webhooks specification (and Svix' docs).
        let secret = secret_bytes("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = signatures(
            &[secret],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn during_a_rotation_both_secrets_sign() {
        let (old, new) = (vec![1u8; 24], vec![2u8; 24]);
        let both = signatures(&[new.clone(), old.clone()], "msg_1", 1, b"{}");
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], signatures(&[new], "msg_1", 1, b"{}"));
        assert_eq!(parts[1], signatures(&[old], "msg_1", 1, b"{}"));
    }

    #[test]
    fn a_new_secret_is_whsec_and_24_random_bytes() {
        let random = SystemRandom::new();
        let (a, b) = (new_secret(&random).unwrap(), new_secret(&random).unwrap());
        assert!(a.starts_with("whsec_"));
        assert_eq!(secret_bytes(&a).unwrap().len(), 24);
        assert_ne!(a, b);
        assert!(secret_bytes("whsec_not base64!").is_none());
        assert!(secret_bytes("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_none());
    }
}
