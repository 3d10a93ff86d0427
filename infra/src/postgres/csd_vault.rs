//! CSD files in `public.csd_files`: the key and its password wrapped by the
//! master key when the deployment has one (like webhook secrets and
//! personal-data keys).

use async_trait::async_trait;
use folio_commands::csd::{CsdFiles, CsdVault, VaultError};
use folio_domain::ids::TenantId;
use ring::rand::SystemRandom;
use sqlx::PgPool;

use crate::personal_data::master_key::{stored_wrapped, unwrapped};
use crate::personal_data::KeyWrapping;

/// The vault, in Postgres.
#[derive(Debug, Clone)]
pub struct PgCsdVault {
    pool: PgPool,
    wrapping: KeyWrapping,
    random: SystemRandom,
}

impl PgCsdVault {
    /// The vault in `pool`'s database, wrapped as `wrapping` says.
    pub fn new(pool: PgPool, wrapping: KeyWrapping) -> Self {
        PgCsdVault {
            pool,
            wrapping,
            random: SystemRandom::new(),
        }
    }
}

/// What a part is wrapped for: its tenant, certificate and part.
fn label(tenant: TenantId, number: &str, part: &str) -> String {
    format!("csd/{tenant}/{number}/{part}")
}

fn unavailable(error: impl std::error::Error + Send + Sync + 'static) -> VaultError {
    VaultError(Box::new(error))
}

#[async_trait]
impl CsdVault for PgCsdVault {
    async fn keep(
        &self,
        tenant: TenantId,
        number: &str,
        files: &CsdFiles,
    ) -> Result<(), VaultError> {
        let wrap = |part: &str, bytes: &[u8]| {
            stored_wrapped(
                &self.wrapping,
                &self.random,
                &label(tenant, number, part),
                bytes,
            )
            .map_err(unavailable)
        };
        let (key, wrapped_by) = wrap("key", &files.private_key)?;
        let (password, _) = wrap("password", files.password.as_bytes())?;
        sqlx::query(
            "INSERT INTO csd_files
                 (tenant_id, certificate_number, certificate, private_key, password, wrapped_by)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (tenant_id, certificate_number) DO NOTHING",
        )
        .bind(tenant.0)
        .bind(number)
        .bind(&files.certificate)
        .bind(key)
        .bind(password)
        .bind(wrapped_by)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn files(&self, tenant: TenantId, number: &str) -> Result<Option<CsdFiles>, VaultError> {
        let row: Option<(Vec<u8>, Vec<u8>, Vec<u8>, Option<String>)> = sqlx::query_as(
            "SELECT certificate, private_key, password, wrapped_by FROM csd_files
             WHERE tenant_id = $1 AND certificate_number = $2",
        )
        .bind(tenant.0)
        .bind(number)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        let Some((certificate, key, password, wrapped_by)) = row else {
            return Ok(None);
        };
        let unwrap = |part: &str, stored: Vec<u8>| {
            unwrapped(
                &self.wrapping,
                &label(tenant, number, part),
                stored,
                wrapped_by.clone(),
            )
            .map_err(unavailable)
        };
        let private_key = unwrap("key", key)?;
        let password = String::from_utf8(unwrap("password", password)?).map_err(unavailable)?;
        Ok(Some(CsdFiles {
            certificate,
            private_key,
            password,
        }))
    }
}
