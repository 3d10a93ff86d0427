//! Links that download an archived file from `folio serve` itself, for a blob
//! store that cannot sign its own (the filesystem):
//! `/documents/<sha256>?type=pdf&expires=<unix seconds>&signature=<hex>`, an
//! HMAC-SHA256 under the server's key over the address, the file type and the
//! expiry. Whoever holds a link may download that one file until it expires,
//! as with S3's presigned URLs; nobody without the key can make a link for
//! another file or a later time.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ring::hmac;

use crate::ports::BlobAddress;

/// How long a download link works: long enough to click, short enough that a
/// forwarded link soon stops working.
pub const DOWNLOAD_LINK_TTL: Duration = Duration::from_secs(15 * 60);

/// The route that serves signed links, under the server's base URL.
pub const DOWNLOAD_ROUTE: &str = "/documents";

/// The file types a link can name, with the MIME type served for each.
const FILE_TYPES: [(&str, &str); 2] = [("pdf", "application/pdf"), ("xml", "application/xml")];

/// A download as the route receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDownload {
    /// The file's address: its SHA-256 in hex.
    pub sha256: String,
    /// `pdf` or `xml`.
    pub file_type: String,
    /// Unix seconds after which the link is refused.
    pub expires: i64,
    /// The HMAC-SHA256, in hex.
    pub signature: String,
}

/// Why a download link is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefused {
    /// The address or file type is not one a link can name.
    #[error("the download link is malformed; ask the API for a new one")]
    Malformed,
    /// The signature does not match: the link was altered or made elsewhere.
    #[error("the download link's signature does not match; ask the API for a new one")]
    Forged,
    /// The link was good until its expiry, which has passed.
    #[error("the download link expired at {0}; ask the API for a new one")]
    Expired(DateTime<Utc>),
}

/// Makes and checks download links under one server key.
pub struct DownloadLinks {
    key: hmac::Key,
    base_url: String,
}

impl std::fmt::Debug for DownloadLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadLinks")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl DownloadLinks {
    /// Links signed with `secret`, under `base_url` (e.g.
    /// `https://folio.example.com`; empty for links relative to the API).
    pub fn new(secret: &[u8], base_url: &str) -> Self {
        DownloadLinks {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Links signed with a key of this process only: they stop working when
    /// it restarts, and another replica cannot check them.
    pub fn with_random_key(base_url: &str) -> Result<Self, ring::error::Unspecified> {
        let rng = ring::rand::SystemRandom::new();
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &rng)?;
        Ok(DownloadLinks {
            key,
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }

    /// A link to the file at `address` of MIME type `content_type`, good until
    /// `expires`; none for a type a link cannot name.
    pub fn link(
        &self,
        address: &BlobAddress,
        content_type: &str,
        expires: DateTime<Utc>,
    ) -> Option<String> {
        let (file_type, _) = FILE_TYPES.iter().find(|(_, mime)| *mime == content_type)?;
        let expires = expires.timestamp();
        let message = signed_message(address.sha256(), file_type, expires);
        let signature = hex::encode(hmac::sign(&self.key, message.as_bytes()).as_ref());
        Some(format!(
            "{}{DOWNLOAD_ROUTE}/{}?type={file_type}&expires={expires}&signature={signature}",
            self.base_url,
            address.sha256()
        ))
    }

    /// The address and MIME type `request` may download at `now`.
    pub fn check(
        &self,
        request: &SignedDownload,
        now: DateTime<Utc>,
    ) -> Result<(BlobAddress, &'static str), LinkRefused> {
        let address = BlobAddress::parse(&request.sha256).ok_or(LinkRefused::Malformed)?;
        let (file_type, content_type) = FILE_TYPES
            .iter()
            .find(|(name, _)| *name == request.file_type)
            .ok_or(LinkRefused::Malformed)?;
        let signature = hex::decode(&request.signature).map_err(|_| LinkRefused::Forged)?;
        let message = signed_message(address.sha256(), file_type, request.expires);
        hmac::verify(&self.key, message.as_bytes(), &signature).map_err(|_| LinkRefused::Forged)?;
        let expires = DateTime::from_timestamp(request.expires, 0).ok_or(LinkRefused::Malformed)?;
        if now > expires {
            return Err(LinkRefused::Expired(expires));
        }
        Ok((address, content_type))
    }
}

/// What a link's signature covers: the file, its type and the expiry, one per
/// line (none of them can hold a line break).
fn signed_message(sha256: &str, file_type: &str, expires: i64) -> String {
    format!("{sha256}\n{file_type}\n{expires}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request_of(link: &str) -> SignedDownload {
        let (path, query) = link.split_once('?').unwrap();
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
                .unwrap()
                .to_owned()
        };
        SignedDownload {
            sha256: path.rsplit('/').next().unwrap().to_owned(),
            file_type: param("type"),
            expires: param("expires").parse().unwrap(),
            signature: param("signature"),
        }
    }

    fn noon() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn a_link_downloads_its_file_until_it_expires() {
        let links = DownloadLinks::new(b"0123456789abcdef0123456789abcdef", "https://folio.test/");
        let address = BlobAddress::of(b"%PDF-1.7");
        let expires = noon() + chrono::Duration::minutes(15);
        let link = links.link(&address, "application/pdf", expires).unwrap();
        let expected = format!(
            "https://folio.test/documents/{}?type=pdf&",
            address.sha256()
        );
        assert!(link.starts_with(&expected), "{link}");
        let request = request_of(&link);
        assert_eq!(
            links.check(&request, noon()),
            Ok((address.clone(), "application/pdf"))
        );
        assert_eq!(
            links.check(&request, expires),
            Ok((address, "application/pdf"))
        );
        assert_eq!(
            links.check(&request, expires + chrono::Duration::seconds(1)),
            Err(LinkRefused::Expired(expires))
        );
    }

    #[test]
    fn a_link_altered_in_any_part_or_signed_with_another_key_is_refused() {
        let links = DownloadLinks::new(b"0123456789abcdef0123456789abcdef", "");
        let address = BlobAddress::of(b"<Invoice/>");
        let link = links.link(&address, "application/xml", noon()).unwrap();
        assert!(link.starts_with("/documents/"), "{link}");
        let good = request_of(&link);
        let later = SignedDownload {
            expires: good.expires + 3600,
            ..good.clone()
        };
        let other_file = SignedDownload {
            sha256: BlobAddress::of(b"other").sha256().to_owned(),
            ..good.clone()
        };
        let other_type = SignedDownload {
            file_type: "pdf".to_owned(),
            ..good.clone()
        };
        for altered in [later, other_file, other_type] {
            assert_eq!(links.check(&altered, noon()), Err(LinkRefused::Forged));
        }
        let elsewhere = DownloadLinks::with_random_key("").unwrap();
        assert_eq!(elsewhere.check(&good, noon()), Err(LinkRefused::Forged));
        let unknown_type = SignedDownload {
            file_type: "exe".to_owned(),
            ..good
        };
        assert_eq!(
            links.check(&unknown_type, noon()),
            Err(LinkRefused::Malformed)
        );
        assert_eq!(links.link(&address, "text/html", noon()), None);
    }
}
