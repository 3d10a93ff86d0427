//! Request fingerprints' keyed digests: idempotency fingerprints hold personal data
//! only as an HMAC under its subject's key, so erasure unlinks them too.

use folio_commands::{LedgerError, PersonalDataKeys};
use folio_domain::ids::TenantId;
use ring::hmac;
use ring::rand::SystemRandom;
use sqlx::PgPool;

use super::{key_bytes, KeyWrapping, PersonalDataError};

/// What a request fingerprint's digest key is derived with: never the sealing key
/// itself, so the two uses of one subject key cannot meet.
const FINGERPRINT_CONTEXT: &[u8] = b"folio/request-fingerprint/v1";

/// The command layer's [`PersonalDataKeys`]: request fingerprints digest personal
/// data with HMAC-SHA256 under a key derived from its subject's sealing key, so
/// destroying that key makes the stored fingerprints unlinkable too.
#[derive(Debug, Clone)]
pub struct FingerprintKeys {
    pool: PgPool,
    wrapping: KeyWrapping,
    random: SystemRandom,
}

impl FingerprintKeys {
    /// The subjects' keys in `pool`'s database, stored and opened with `wrapping`.
    pub fn new(pool: PgPool, wrapping: KeyWrapping) -> Self {
        FingerprintKeys {
            pool,
            wrapping,
            random: SystemRandom::new(),
        }
    }
}

#[async_trait::async_trait]
impl PersonalDataKeys for FingerprintKeys {
    async fn digest(
        &self,
        tenant_id: TenantId,
        subject: &str,
        data: &[u8],
    ) -> Result<Option<String>, LedgerError> {
        let key = key_bytes(
            &self.pool,
            &self.wrapping,
            &self.random,
            tenant_id.0,
            subject,
        )
        .await
        .map_err(|e| match e {
            PersonalDataError::Database(e) => crate::postgres::ledger::ledger_error(e),
            other => LedgerError::Internal(Box::new(other)),
        })?;
        Ok(key.map(|key| {
            let derived = hmac::sign(
                &hmac::Key::new(hmac::HMAC_SHA256, &key),
                FINGERPRINT_CONTEXT,
            );
            let digest = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()), data);
            hex::encode(digest.as_ref())
        }))
    }
}
