//! The seller's logo as the PDF prints it: a PNG or JPEG of modest size,
//! decoded whole before it is accepted, so a broken file is refused when the
//! tenant uploads it rather than failing every archive afterwards.

use std::io::Cursor;

use image::{ImageFormat, ImageReader};

/// The largest logo accepted, in bytes: plenty for a logo printed 1.6 cm
/// high, and in base64 still within the API's default request size.
pub const MAX_LOGO_BYTES: usize = 128 * 1024;

/// The longest side of a logo accepted, in pixels.
pub const MAX_LOGO_SIDE_PX: u32 = 4096;

/// A logo the PDF can print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogoImage {
    /// `image/png` or `image/jpeg`.
    pub content_type: &'static str,
    /// Width in pixels.
    pub width_px: u32,
    /// Height in pixels.
    pub height_px: u32,
}

/// Why an image is not accepted as a logo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogoError {
    /// More bytes than [`MAX_LOGO_BYTES`].
    #[error("a logo is at most 128 KiB; this one has {0} bytes")]
    TooLarge(usize),
    /// Neither PNG nor JPEG.
    #[error("a logo is a PNG or JPEG image")]
    NotPngOrJpeg,
    /// A side longer than [`MAX_LOGO_SIDE_PX`].
    #[error("a logo is at most 4096 pixels on each side; this one is {0}x{1}")]
    TooManyPixels(u32, u32),
    /// The image does not decode (truncated, damaged).
    #[error("the image cannot be decoded: {0}")]
    Undecodable(String),
}

/// What `bytes` are as a logo, once they decode whole.
pub fn inspect(bytes: &[u8]) -> Result<LogoImage, LogoError> {
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(LogoError::TooLarge(bytes.len()));
    }
    let format = image::guess_format(bytes).map_err(|_| LogoError::NotPngOrJpeg)?;
    let content_type = match format {
        ImageFormat::Png => "image/png",
        ImageFormat::Jpeg => "image/jpeg",
        _ => return Err(LogoError::NotPngOrJpeg),
    };
    let undecodable = |e: image::ImageError| LogoError::Undecodable(e.to_string());
    let (width_px, height_px) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(undecodable)?;
    if width_px > MAX_LOGO_SIDE_PX || height_px > MAX_LOGO_SIDE_PX {
        return Err(LogoError::TooManyPixels(width_px, height_px));
    }
    ImageReader::with_format(Cursor::new(bytes), format)
        .decode()
        .map_err(undecodable)?;
    Ok(LogoImage {
        content_type,
        width_px,
        height_px,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30]));
        let mut bytes = Cursor::new(Vec::new());
        image.write_to(&mut bytes, ImageFormat::Png).unwrap();
        bytes.into_inner()
    }

    #[test]
    fn a_png_is_accepted_with_its_size_in_pixels() {
        assert_eq!(
            inspect(&png(120, 40)),
            Ok(LogoImage {
                content_type: "image/png",
                width_px: 120,
                height_px: 40
            })
        );
    }

    #[test]
    fn a_truncated_image_another_format_or_a_huge_one_is_refused() {
        let whole = png(64, 64);
        assert!(matches!(
            inspect(&whole[..whole.len() / 2]),
            Err(LogoError::Undecodable(_))
        ));
        assert_eq!(inspect(b"GIF89a...."), Err(LogoError::NotPngOrJpeg));
        assert_eq!(inspect(b"<svg/>"), Err(LogoError::NotPngOrJpeg));
        assert_eq!(
            inspect(&png(MAX_LOGO_SIDE_PX + 1, 1)),
            Err(LogoError::TooManyPixels(MAX_LOGO_SIDE_PX + 1, 1))
        );
        assert_eq!(
            inspect(&vec![0; MAX_LOGO_BYTES + 1]),
            Err(LogoError::TooLarge(MAX_LOGO_BYTES + 1))
        );
    }
}
