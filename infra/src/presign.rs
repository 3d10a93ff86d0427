//! Presigned S3 URLs (AWS Signature Version 4, query string) whose signature
//! also binds request headers: a receipt's upload URL signs its
//! `content-type` and `content-length`, so S3 refuses another type or size.
//! `object_store`'s signer signs the method, path and expiry only
//! (`docs/design/receipts.md`), hence this. HMAC-SHA256 is written out on
//! `sha2` (RFC 2104); the test is AWS's own example of a presigned GET.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// An S3 request to presign.
#[derive(Debug, Clone)]
pub struct PresignRequest<'a> {
    /// `GET` or `PUT`.
    pub method: &'a str,
    /// The host the URL names (`examplebucket.s3.amazonaws.com`, or
    /// `127.0.0.1:9000` for a path-style server).
    pub host: &'a str,
    /// The object's path on that host, starting with `/` (`/test.txt`, or
    /// `/bucket/key` path-style), not yet encoded.
    pub path: &'a str,
    /// The bucket's region (`us-east-1`).
    pub region: &'a str,
    /// The access key id and its secret.
    pub credentials: (&'a str, &'a str),
    /// When it is signed.
    pub at: DateTime<Utc>,
    /// How long it is valid, in seconds (at most 604,800).
    pub expires_in_seconds: u64,
    /// Headers the request must carry with exactly these values, beside
    /// `host` (names in lower case).
    pub headers: &'a [(&'a str, &'a str)],
}

/// HMAC-SHA256 of `message` under `key` (RFC 2104, a 64-byte block).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// `text` percent-encoded as SigV4 wants: everything but the unreserved
/// characters of RFC 3986, and `/` too unless `keep_slash`.
fn uri_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(byte))
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The presigned URL of `request`, `https` unless `scheme` says otherwise.
pub fn presigned_url(scheme: &str, request: &PresignRequest<'_>) -> String {
    let (access_key, secret) = request.credentials;
    let date = request.at.format("%Y%m%d").to_string();
    let stamp = request.at.format("%Y%m%dT%H%M%SZ").to_string();
    let scope = format!("{date}/{}/s3/aws4_request", request.region);
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
        .chain([("host".to_owned(), request.host.to_owned())])
        .collect();
    headers.sort();
    let signed_headers = headers
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let mut query = [
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256".to_owned()),
        ("X-Amz-Credential", format!("{access_key}/{scope}")),
        ("X-Amz-Date", stamp.clone()),
        ("X-Amz-Expires", request.expires_in_seconds.to_string()),
        ("X-Amz-SignedHeaders", signed_headers.clone()),
    ]
    .map(|(name, value)| format!("{}={}", uri_encode(name, false), uri_encode(&value, false)));
    query.sort();
    let query = query.join("&");
    let canonical_headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect();
    let path = uri_encode(request.path, true);
    let canonical = format!(
        "{}\n{path}\n{query}\n{canonical_headers}\n{signed_headers}\nUNSIGNED-PAYLOAD",
        request.method
    );
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let key = [date.as_str(), request.region, "s3", "aws4_request"]
        .iter()
        .fold(format!("AWS4{secret}").into_bytes(), |key, part| {
            hmac_sha256(&key, part.as_bytes()).to_vec()
        });
    let signature = hex::encode(hmac_sha256(&key, to_sign.as_bytes()));
    format!(
        "{scheme}://{}{path}?{query}&X-Amz-Signature={signature}",
        request.host
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// AWS's example of a presigned GET ("Authenticating Requests: Using
    /// Query Parameters (AWS Signature Version 4)", Amazon S3 API Reference).
    #[test]
    fn awss_published_example_is_signed_alike() {
        let request = PresignRequest {
            method: "GET",
            host: "examplebucket.s3.amazonaws.com",
            path: "/test.txt",
            region: "us-east-1",
            credentials: (
                "AKIAIOSFODNN7EXAMPLE",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ),
            at: Utc.with_ymd_and_hms(2013, 5, 24, 0, 0, 0).unwrap(),
            expires_in_seconds: 86_400,
            headers: &[],
        };
        let url = presigned_url("https", &request);
        assert_eq!(
            url,
            "https://examplebucket.s3.amazonaws.com/test.txt\
             ?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        );
    }

    /// RFC 4231's test case 2 (a key shorter than the block).
    #[test]
    fn hmac_sha256_is_rfc_4231s() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
