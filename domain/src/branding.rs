//! The tenant's branding on its documents: the logo printed on every PDF,
//! kept in the blob store and named here by its SHA-256 with what the
//! renderer found it to be.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The longest side of a logo, in pixels (what the renderer accepts).
pub const MAX_LOGO_SIDE_PX: u32 = 4096;

/// The MIME types a logo may have.
pub const LOGO_CONTENT_TYPES: [&str; 2] = ["image/png", "image/jpeg"];

/// The tenant's logo: a PNG or JPEG in the blob store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TenantLogo {
    /// SHA-256 of the image, 64 lowercase hex digits: its blob-store address.
    pub sha256: String,
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    /// Width in pixels, 1 to 4096.
    pub width_px: u32,
    /// Height in pixels, 1 to 4096.
    pub height_px: u32,
}

/// Why a logo record is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum LogoError {
    /// The address is not a SHA-256 in lowercase hex.
    #[error("a logo is named by the SHA-256 of its bytes (64 lowercase hex digits)")]
    Address,
    /// Neither PNG nor JPEG.
    #[error("a logo is a PNG or JPEG image, not {0}")]
    ContentType(String),
    /// A side of 0 or more than [`MAX_LOGO_SIDE_PX`].
    #[error("a logo is 1 to 4096 pixels on each side; this one is {0}x{1}")]
    Size(u32, u32),
}

impl TenantLogo {
    /// The record, if it names an image the documents can print.
    pub fn validated(self) -> Result<Self, LogoError> {
        let hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
        if self.sha256.len() != 64 || !self.sha256.chars().all(hex) {
            return Err(LogoError::Address);
        }
        if !LOGO_CONTENT_TYPES.contains(&self.content_type.as_str()) {
            return Err(LogoError::ContentType(self.content_type));
        }
        let side = 1..=MAX_LOGO_SIDE_PX;
        if !side.contains(&self.width_px) || !side.contains(&self.height_px) {
            return Err(LogoError::Size(self.width_px, self.height_px));
        }
        Ok(self)
    }
}
