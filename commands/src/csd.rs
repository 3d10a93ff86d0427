//! The tenant's CSD, the certificate its CFDIs are sealed with: installed
//! from SAT's files (the `.cer`, the encrypted `.key` and its password),
//! which the [`CsdVault`] keeps apart from the events, while the settings
//! record which certificate is in force (`CsdInstalled`: number, holder,
//! validity; never the key or the password).
//!
//! Installing opens the files first (the password opens the key, the key is
//! the certificate's), then records the certificate (in force now, issued
//! to the tenant's SAT issuer: the domain's rule), then keeps the files. A
//! refusal writes nothing anywhere; a retry after the files failed to be kept
//! replays the command and keeps them.

use std::sync::Arc;

use async_trait::async_trait;
use folio_documents::cfdi::Csd;
use folio_domain::ids::TenantId;
use folio_domain::sat::SatError;
use folio_domain::settings::SettingsError;

use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::use_cases::UseCases;

/// SAT's files of a CSD.
#[derive(Clone, PartialEq, Eq)]
pub struct CsdFiles {
    /// The certificate, DER (the `.cer`).
    pub certificate: Vec<u8>,
    /// The private key, PKCS#8 encrypted with `password` (the `.key`).
    pub private_key: Vec<u8>,
    /// The key's password.
    pub password: String,
}

impl std::fmt::Debug for CsdFiles {
    /// The sizes of the files; never the key or the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsdFiles")
            .field("certificate_bytes", &self.certificate.len())
            .field("private_key_bytes", &self.private_key.len())
            .finish_non_exhaustive()
    }
}

impl CsdFiles {
    /// The CSD the files make, ready to seal.
    pub fn open(&self) -> Result<Csd, SatError> {
        Csd::open(&self.certificate, &self.private_key, &self.password)
            .map_err(|error| SatError::InvalidCertificate(error.to_string()))
    }
}

/// The vault did not answer.
#[derive(Debug, thiserror::Error)]
#[error("the CSD vault is unavailable")]
pub struct VaultError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Where CSD files are kept, per tenant and certificate number.
#[async_trait]
pub trait CsdVault: Send + Sync + 'static {
    /// Keeps the files of certificate `number` unless they are kept already.
    async fn keep(
        &self,
        tenant: TenantId,
        number: &str,
        files: &CsdFiles,
    ) -> Result<(), VaultError>;
    /// The files of certificate `number`, if kept.
    async fn files(&self, tenant: TenantId, number: &str) -> Result<Option<CsdFiles>, VaultError>;
}

/// Installs CSDs: the use case's command, and the files in the vault.
#[derive(Clone)]
pub struct CsdInstaller {
    use_cases: Arc<UseCases>,
    vault: Arc<dyn CsdVault>,
}

impl std::fmt::Debug for CsdInstaller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsdInstaller")
    }
}

impl CsdInstaller {
    /// Installs through `use_cases`, keeping files in `vault`.
    pub fn new(use_cases: Arc<UseCases>, vault: Arc<dyn CsdVault>) -> Self {
        CsdInstaller { use_cases, vault }
    }

    /// Opens `files`, records their certificate in the tenant's settings and
    /// keeps them for sealing.
    pub async fn install(
        &self,
        ctx: &CommandContext,
        files: CsdFiles,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        ctx.caller.require(crate::access::Action::ConfigureTenant)?;
        let csd = files
            .open()
            .map_err(|error| CommandError::Rejected(error.into()))?;
        let installed = csd.installed();
        let outcome = self.use_cases.install_csd(ctx, installed.clone()).await?;
        self.vault
            .keep(ctx.tenant_id(), &installed.certificate_number, &files)
            .await
            .map_err(|error| CommandError::Unavailable(Box::new(error)))?;
        Ok(outcome)
    }
}
