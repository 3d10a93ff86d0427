//! The tenant's branding: an admin uploads the logo printed on every PDF. The
//! renderer checks it decodes as an image it can print, the blob store keeps
//! it under its SHA-256, and the settings record that address, so documents
//! archived from then on carry it and re-rendering an archived one cannot.

use std::sync::Arc;

use folio_domain::branding::TenantLogo;
use folio_domain::settings::SettingsError;

use crate::access::Action;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::ports::{BlobStore, DocumentRenderer};
use crate::UseCases;

/// Uploads and removes the tenant's logo.
#[derive(Clone)]
pub struct Branding {
    use_cases: Arc<UseCases>,
    renderer: Arc<dyn DocumentRenderer>,
    blobs: Arc<dyn BlobStore>,
}

impl std::fmt::Debug for Branding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Branding")
    }
}

impl Branding {
    /// Branding over the use cases, the renderer (which judges images) and
    /// the blob store.
    pub fn new(
        use_cases: Arc<UseCases>,
        renderer: Arc<dyn DocumentRenderer>,
        blobs: Arc<dyn BlobStore>,
    ) -> Self {
        Branding {
            use_cases,
            renderer,
            blobs,
        }
    }

    /// Makes `image` (PNG or JPEG bytes) the tenant's logo, for an admin. An
    /// image the renderer cannot print is refused (VALIDATION) and nothing is
    /// stored; the store away is UNAVAILABLE, and a retry with the same key
    /// stores and records nothing twice.
    pub async fn upload_logo(
        &self,
        ctx: &CommandContext,
        image: Vec<u8>,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        ctx.caller.require(Action::ConfigureTenant)?;
        let facts = self
            .renderer
            .inspect_logo(&image)
            .map_err(|refused| CommandError::InvalidRequest(refused.to_string()))?;
        let address = self
            .blobs
            .put(image, facts.content_type)
            .await
            .map_err(|e| CommandError::Unavailable(Box::new(e)))?;
        let logo = TenantLogo {
            sha256: address.sha256().to_owned(),
            content_type: facts.content_type.to_owned(),
            width_px: facts.width_px,
            height_px: facts.height_px,
        };
        self.use_cases.configure_logo(ctx, Some(logo)).await
    }

    /// Removes the tenant's logo, for an admin: documents archived from now on
    /// carry none (the image stays in the blob store, as archived PDFs hold it).
    pub async fn remove_logo(
        &self,
        ctx: &CommandContext,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        self.use_cases.configure_logo(ctx, None).await
    }
}
