//! The master key: a key-encryption key held outside the database
//! (`FOLIO_PERSONAL_DATA_MASTER_KEY`). Subject keys are stored wrapped by it, so a
//! copy of the database alone opens no personal data.

use std::sync::Arc;

use ring::aead::{LessSafeKey, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hmac;
use ring::rand::SystemRandom;
use sqlx::PgPool;

use super::{decrypt, encrypt, PersonalDataError};

/// How this process stores and opens subject keys: wrapped by the master key it
/// was given, or as they are when it was given none (development, tests). Built
/// once from the configuration and handed to every adapter that reads or writes
/// personal data; there is no process-global key.
#[derive(Clone, Default)]
pub struct KeyWrapping {
    master: Option<Arc<MasterKey>>,
}

impl std::fmt::Debug for KeyWrapping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyWrapping")
            .field("master_key_id", &self.master_key_id())
            .finish()
    }
}

impl KeyWrapping {
    /// Subject keys stored as they are: a copy of the database opens them.
    pub fn none() -> Self {
        KeyWrapping::default()
    }

    /// Subject keys wrapped by `hex`, a 256-bit master key in 64 hex characters
    /// kept outside the database; keys wrapped by it open, others stored as they
    /// are open too.
    pub fn with_master_key(hex: &str) -> Result<Self, PersonalDataError> {
        let bytes = hex::decode(hex.trim())
            .map_err(|_| PersonalDataError::InvalidMasterKey("it is not hexadecimal"))?;
        let key = UnboundKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| PersonalDataError::InvalidMasterKey("it is not 256 bits long"))?;
        let tag = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, &bytes),
            b"folio/master-key-id/v1",
        );
        Ok(KeyWrapping {
            master: Some(Arc::new(MasterKey {
                id: hex::encode(&tag.as_ref()[..8]),
                key: LessSafeKey::new(key),
            })),
        })
    }

    /// The master key's id (an HMAC of it, safe to log), if there is one.
    pub fn master_key_id(&self) -> Option<&str> {
        self.master.as_deref().map(|m| m.id.as_str())
    }

    /// The master key, if there is one.
    pub(super) fn master(&self) -> Option<&MasterKey> {
        self.master.as_deref()
    }
}

/// The authenticated data a subject key is wrapped with: bound to its subject.
fn wrap_aad(subject: &str) -> Vec<u8> {
    format!("folio/subject-key/{subject}").into_bytes()
}

/// A key-encryption key held outside the database: subject keys are stored as
/// `nonce ‖ AES-256-GCM(subject key) ‖ tag` under it, with the subject as
/// authenticated data.
pub(super) struct MasterKey {
    /// Names the master key without revealing it (stored beside each key it wraps).
    pub(super) id: String,
    key: LessSafeKey,
}

impl MasterKey {
    /// `key` wrapped for `subject`: nonce ‖ ciphertext ‖ tag.
    pub(super) fn wrap(
        &self,
        random: &SystemRandom,
        subject: &str,
        key: &[u8],
    ) -> Result<Vec<u8>, PersonalDataError> {
        let (nonce, bytes) = encrypt(
            random,
            &self.key,
            &wrap_aad(subject),
            key.to_vec(),
            "cannot wrap a key",
        )?;
        Ok([nonce.as_slice(), &bytes].concat())
    }
}

/// Refuses a process that could not open the stored keys: some are wrapped by a
/// master key it was not given, so every read of personal data would fail. A
/// server says so at start instead of answering each request with an error.
pub async fn require_wrapping_keys(
    pool: &PgPool,
    wrapping: &KeyWrapping,
) -> Result<(), PersonalDataError> {
    let unknown: Option<String> = sqlx::query_scalar(
        "SELECT wrapped_by FROM public.personal_data_keys
          WHERE wrapped_by IS NOT NULL AND wrapped_by IS DISTINCT FROM $1
          LIMIT 1",
    )
    .bind(wrapping.master_key_id())
    .fetch_optional(pool)
    .await?;
    match unknown {
        Some(wrapped_by) => Err(PersonalDataError::MasterKeyMissing { wrapped_by }),
        None => Ok(()),
    }
}

/// Wraps every subject key stored as is (created before this deployment had a
/// master key) with `wrapping`'s master key, in batches; returns how many were
/// wrapped and the master key's id.
pub async fn wrap_stored_keys(
    pool: &PgPool,
    wrapping: &KeyWrapping,
) -> Result<(u64, String), PersonalDataError> {
    let master = wrapping
        .master()
        .ok_or(PersonalDataError::InvalidMasterKey(
            "none was given (FOLIO_PERSONAL_DATA_MASTER_KEY)",
        ))?;
    let random = SystemRandom::new();
    let mut wrapped = 0;
    loop {
        let mut tx = pool.begin().await?;
        let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT subject_id, key FROM public.personal_data_keys
              WHERE key IS NOT NULL AND wrapped_by IS NULL
              LIMIT 1000 FOR UPDATE SKIP LOCKED",
        )
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok((wrapped, master.id.clone()));
        }
        for (subject, key) in rows {
            sqlx::query(
                "UPDATE public.personal_data_keys SET key = $2, wrapped_by = $3 WHERE subject_id = $1",
            )
            .bind(&subject)
            .bind(master.wrap(&random, &subject, &key)?)
            .bind(&master.id)
            .execute(&mut *tx)
            .await?;
            wrapped += 1;
        }
        tx.commit().await?;
    }
}

/// `secret` as it is stored for `subject`: wrapped by the master key, with
/// the master key's id, when there is one; as it is otherwise.
pub(crate) fn stored_wrapped(
    wrapping: &KeyWrapping,
    random: &SystemRandom,
    subject: &str,
    secret: &[u8],
) -> Result<(Vec<u8>, Option<String>), PersonalDataError> {
    match wrapping.master() {
        Some(master) => Ok((
            master.wrap(random, subject, secret)?,
            Some(master.id.clone()),
        )),
        None => Ok((secret.to_vec(), None)),
    }
}

/// A subject key as stored, opened with the master key that wraps it (if any).
pub(crate) fn unwrapped(
    wrapping: &KeyWrapping,
    subject: &str,
    stored: Vec<u8>,
    wrapped_by: Option<String>,
) -> Result<Vec<u8>, PersonalDataError> {
    let Some(wrapped_by) = wrapped_by else {
        return Ok(stored);
    };
    let Some(master) = wrapping.master().filter(|m| m.id == wrapped_by) else {
        return Err(PersonalDataError::NoMasterKey {
            subject: subject.to_owned(),
            wrapped_by,
        });
    };
    let corrupt = || PersonalDataError::Corrupt {
        subject: subject.to_owned(),
    };
    if stored.len() < NONCE_LEN {
        return Err(corrupt());
    }
    let (nonce, sealed) = stored.split_at(NONCE_LEN);
    decrypt(&master.key, nonce, &wrap_aad(subject), sealed.to_vec()).ok_or_else(corrupt)
}
