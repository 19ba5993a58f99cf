//! Size limits: the first gate, applied before anything is parsed.
//!
//! docs/contract.md, "Traffic types and default limits": 1 MB = 1,000,000 bytes (the smaller
//! reading, so the gate never passes what the platform would refuse); a payload of exactly
//! the limit passes, one byte more fails; from a reader no more than limit + 1 bytes are
//! ever read or held. Embedded files are held to their decoded size, computed from the
//! base64 length before decoding ([`base64_decoded_len`]).

use std::io::{self, Read};

use serde::{Deserialize, Serialize};

use crate::traffic::TrafficType;

/// One megabyte as the platform's limits are read: 10^6 bytes.
pub const MB: u64 = 1_000_000;

/// The size limit of every traffic type, in bytes. Policy: every one can be configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct SizePolicy {
    /// `redox_api` (default 40 MB).
    pub redox_api: u64,
    /// `carequality` (default 40 MB).
    pub carequality: u64,
    /// `hl7v2_mllp` (default 30 MB).
    pub hl7v2_mllp: u64,
    /// `uploaded_file` (default 30 MB).
    pub uploaded_file: u64,
    /// `embedded_file`, counted in decoded bytes (default 10 MB).
    pub embedded_file: u64,
    /// `other` (default 10 MB).
    pub other: u64,
}

impl Default for SizePolicy {
    fn default() -> Self {
        SizePolicy {
            redox_api: 40 * MB,
            carequality: 40 * MB,
            hl7v2_mllp: 30 * MB,
            uploaded_file: 30 * MB,
            embedded_file: 10 * MB,
            other: 10 * MB,
        }
    }
}

impl SizePolicy {
    /// The limit for `traffic`.
    pub fn limit(&self, traffic: TrafficType) -> u64 {
        match traffic {
            TrafficType::RedoxApi => self.redox_api,
            TrafficType::Carequality => self.carequality,
            TrafficType::Hl7v2Mllp => self.hl7v2_mllp,
            TrafficType::UploadedFile => self.uploaded_file,
            TrafficType::EmbeddedFile => self.embedded_file,
            TrafficType::Other => self.other,
        }
    }

    /// Sets the limit for `traffic`.
    pub fn set(&mut self, traffic: TrafficType, bytes: u64) {
        let slot = match traffic {
            TrafficType::RedoxApi => &mut self.redox_api,
            TrafficType::Carequality => &mut self.carequality,
            TrafficType::Hl7v2Mllp => &mut self.hl7v2_mllp,
            TrafficType::UploadedFile => &mut self.uploaded_file,
            TrafficType::EmbeddedFile => &mut self.embedded_file,
            TrafficType::Other => &mut self.other,
        };
        *slot = bytes;
    }

    /// The largest limit of any type: how much a reader may need before it is classified.
    pub fn largest(&self) -> u64 {
        TrafficType::ALL
            .into_iter()
            .map(|t| self.limit(t))
            .max()
            .unwrap_or(0)
    }

    /// True when `size` is within the limit for `traffic` (the limit itself passes).
    pub fn allows(&self, traffic: TrafficType, size: u64) -> bool {
        size <= self.limit(traffic)
    }
}

/// Reads from `reader` until `buf` holds `want` bytes or the reader ends; never more.
/// Returns whether the reader ended.
pub fn read_up_to<R: Read>(reader: &mut R, buf: &mut Vec<u8>, want: u64) -> io::Result<bool> {
    let have = buf.len() as u64;
    if have >= want {
        return Ok(false);
    }
    let missing = want - have;
    let read = reader.by_ref().take(missing).read_to_end(buf)? as u64;
    Ok(read < missing)
}

/// The number of bytes a base64 text decodes to, from its length alone (RFC 4648
/// section 4): whitespace (line breaks of MIME-style base64) is not counted, each full
/// quantum of 4 characters gives 3 bytes less one per `=` pad, and an unpadded final
/// group of 2 or 3 characters gives 1 or 2 bytes.
pub fn base64_decoded_len(text: &[u8]) -> u64 {
    let mut chars: u64 = 0;
    let mut pads: u64 = 0;
    for &b in text {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => {}
            b'=' => {
                chars += 1;
                pads += 1;
            }
            _ => chars += 1,
        }
    }
    let full = chars / 4 * 3;
    let tail = match chars % 4 {
        2 => 1,
        3 => 2,
        _ => 0,
    };
    (full + tail).saturating_sub(pads.min(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_use_the_smaller_megabyte() {
        let p = SizePolicy::default();
        assert_eq!(p.limit(TrafficType::RedoxApi), 40_000_000);
        assert_eq!(p.limit(TrafficType::Carequality), 40_000_000);
        assert_eq!(p.limit(TrafficType::Hl7v2Mllp), 30_000_000);
        assert_eq!(p.limit(TrafficType::UploadedFile), 30_000_000);
        assert_eq!(p.limit(TrafficType::EmbeddedFile), 10_000_000);
        assert_eq!(p.limit(TrafficType::Other), 10_000_000);
    }

    #[test]
    fn exactly_the_limit_passes_one_more_byte_fails() {
        let p = SizePolicy::default();
        for t in TrafficType::ALL {
            assert!(p.allows(t, p.limit(t)));
            assert!(!p.allows(t, p.limit(t) + 1));
        }
    }

    #[test]
    fn base64_length_arithmetic_matches_decoding() {
        use base64::Engine as _;
        for n in 0..64usize {
            let raw: Vec<u8> = (0..n).map(|i| i as u8).collect();
            let padded = base64::engine::general_purpose::STANDARD.encode(&raw);
            assert_eq!(
                base64_decoded_len(padded.as_bytes()),
                n as u64,
                "padded {n}"
            );
            let bare = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&raw);
            assert_eq!(
                base64_decoded_len(bare.as_bytes()),
                n as u64,
                "unpadded {n}"
            );
            let wrapped: String = padded
                .as_bytes()
                .chunks(76)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("\r\n");
            assert_eq!(
                base64_decoded_len(wrapped.as_bytes()),
                n as u64,
                "wrapped {n}"
            );
        }
    }
}
