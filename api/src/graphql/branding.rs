//! The tenant's logo: uploaded by an admin (base64 in the mutation), printed
//! at the top of every PDF archived from then on.

use async_graphql::{Context, Object, SimpleObject};
use base64::Engine;
use folio_domain::branding::TenantLogo as DomainLogo;

use super::context::request;
use super::outcome::CommandResult;
use crate::error::validation;

/// The logo on the tenant's documents.
#[derive(Debug, Clone, SimpleObject)]
pub struct TenantLogo {
    /// SHA-256 of the image, 64 lowercase hex digits.
    pub sha256: String,
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    /// Width in pixels.
    pub width_px: u32,
    /// Height in pixels.
    pub height_px: u32,
}

impl From<DomainLogo> for TenantLogo {
    fn from(logo: DomainLogo) -> Self {
        TenantLogo {
            sha256: logo.sha256,
            content_type: logo.content_type,
            width_px: logo.width_px,
            height_px: logo.height_px,
        }
    }
}

/// The branding mutations (admins).
#[derive(Debug, Default)]
pub struct BrandingMutation;

#[Object]
impl BrandingMutation {
    /// Makes an image the logo printed at the top of the tenant's PDFs from
    /// now on (documents archived before keep theirs). A PNG or JPEG of at
    /// most 128 KiB and 4096 pixels a side that decodes whole; anything else
    /// is refused with VALIDATION and nothing is stored.
    async fn set_tenant_logo(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The image's bytes in base64 (RFC 4648, with padding).")]
        image_base64: String,
    ) -> async_graphql::Result<CommandResult> {
        let image = base64::engine::general_purpose::STANDARD
            .decode(image_base64.trim())
            .map_err(|_| validation("imageBase64 is not base64 (RFC 4648, with padding)"))?;
        let branding = request(ctx)?.branding.clone();
        command!(ctx, idempotency_key, expected_version, |_use_cases, c| {
            branding.upload_logo(&c, image)
        })
    }

    /// Removes the logo: PDFs archived from now on carry none.
    async fn remove_tenant_logo(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
    ) -> async_graphql::Result<CommandResult> {
        let branding = request(ctx)?.branding.clone();
        command!(ctx, idempotency_key, expected_version, |_use_cases, c| {
            branding.remove_logo(&c)
        })
    }
}
