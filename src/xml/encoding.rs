//! Which encoding an entity is in, from its first bytes, and the one transcoding the
//! gate does: UTF-16 to UTF-8.
//!
//! XML 1.0 (fifth edition) Appendix F.1 tells the encoding family from a byte order mark
//! or, without one, from the pattern of zero bytes around the first characters (`<?xm`
//! in every encoding it lists); RFC 4627 section 3 uses the same zero-byte pattern for
//! JSON. The gate reads UTF-8 and UTF-16 XML (XML 1.0 section 4.3.3: every processor
//! reads both); UTF-16 is transcoded to UTF-8 first, at most half as large again as the
//! bytes that passed the size limit. UCS-4/UTF-32 and EBCDIC are recognised and refused
//! (`XML_ENCODING_UNSUPPORTED`), never read as something else. JSON must be UTF-8 between
//! systems (RFC 8259 section 8.1): a UTF-16 or UTF-32 JSON text is recognised here and
//! refused by the JSON module.

/// The encoding family of an entity, from its first four bytes (XML 1.0 Appendix F.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// UTF-8 or another ASCII-compatible encoding (which one, the declaration says);
    /// `bom` when it starts with `EF BB BF`.
    Utf8 {
        /// Whether a UTF-8 byte order mark starts the entity.
        bom: bool,
    },
    /// UTF-16 in the byte order given.
    Utf16 {
        /// Big-endian (`FE FF`, `00 3C 00 3F`) rather than little-endian.
        big_endian: bool,
        /// Whether a byte order mark starts the entity.
        bom: bool,
    },
    /// UCS-4 / UTF-32, in any of the four byte orders of Appendix F.1.
    Utf32,
    /// EBCDIC (`4C 6F A7 94`, `<?xm`).
    Ebcdic,
}

impl Detected {
    /// A name for diagnostics.
    pub fn name(self) -> &'static str {
        match self {
            Detected::Utf8 { .. } => "UTF-8",
            Detected::Utf16 {
                big_endian: true, ..
            } => "UTF-16BE",
            Detected::Utf16 { .. } => "UTF-16LE",
            Detected::Utf32 => "UTF-32",
            Detected::Ebcdic => "EBCDIC",
        }
    }
}

/// The encoding family of `bytes` (XML 1.0 Appendix F.1, RFC 4627 section 3). Anything
/// the table does not match is UTF-8 by default (F.1, "Other").
pub fn detect(bytes: &[u8]) -> Detected {
    let nz = |b: &u8| *b != 0;
    match bytes {
        // Byte order marks; UCS-4 first, as `FF FE 00 00` also starts with UTF-16LE's.
        [0x00, 0x00, 0xFE, 0xFF, ..]
        | [0xFF, 0xFE, 0x00, 0x00, ..]
        | [0x00, 0x00, 0xFF, 0xFE, ..]
        | [0xFE, 0xFF, 0x00, 0x00, ..] => Detected::Utf32,
        [0xFE, 0xFF, ..] => Detected::Utf16 {
            big_endian: true,
            bom: true,
        },
        [0xFF, 0xFE, ..] => Detected::Utf16 {
            big_endian: false,
            bom: true,
        },
        [0xEF, 0xBB, 0xBF, ..] => Detected::Utf8 { bom: true },
        // No mark: where the zero bytes of the first ASCII characters fall.
        [0x00, 0x00, 0x00, a, ..] | [a, 0x00, 0x00, 0x00, ..] if nz(a) => Detected::Utf32,
        [0x00, 0x00, a, 0x00, ..] | [0x00, a, 0x00, 0x00, ..] if nz(a) => Detected::Utf32,
        [0x00, a, 0x00, b, ..] if nz(a) && nz(b) => Detected::Utf16 {
            big_endian: true,
            bom: false,
        },
        [a, 0x00, b, 0x00, ..] if nz(a) && nz(b) => Detected::Utf16 {
            big_endian: false,
            bom: false,
        },
        [0x4C, 0x6F, 0xA7, 0x94, ..] => Detected::Ebcdic,
        _ => Detected::Utf8 {
            bom: bytes.starts_with(b"\xEF\xBB\xBF"),
        },
    }
}

/// Why UTF-16 bytes could not be transcoded: where (byte offset in the input) and what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed {
    /// Byte offset in the input.
    pub offset: u64,
    /// What can be said without quoting the payload.
    pub detail: &'static str,
}

/// Transcodes UTF-16 `bytes` (byte order mark included, if any) to UTF-8: the BOM is
/// dropped, every code unit pair becomes its character. An odd byte count or a
/// surrogate without its pair is malformed (RFC 2781 section 2.2; XML 1.0 section 4.3.3:
/// bytes not legal in the entity's encoding are a fatal error). The output is at most
/// 3/2 of the input's length.
pub fn decode_utf16(bytes: &[u8], big_endian: bool, bom: bool) -> Result<String, Malformed> {
    let start = if bom { 2 } else { 0 };
    let body = bytes.get(start..).unwrap_or_default();
    if body.len() % 2 != 0 {
        return Err(Malformed {
            offset: bytes.len().saturating_sub(1) as u64,
            detail: "UTF-16 text with an odd number of bytes (its last code unit is cut)",
        });
    }
    let units = body.chunks_exact(2).map(|pair| match pair {
        [a, b] if big_endian => u16::from_be_bytes([*a, *b]),
        [a, b] => u16::from_le_bytes([*a, *b]),
        _ => 0,
    });
    let mut out = String::with_capacity(body.len().saturating_mul(3) / 2);
    for (index, unit) in char::decode_utf16(units).enumerate() {
        match unit {
            Ok(c) => out.push(c),
            Err(_) => {
                return Err(Malformed {
                    offset: (start + 2 * index) as u64,
                    detail: "UTF-16 text with a surrogate code unit that has no pair",
                })
            }
        }
    }
    Ok(out)
}

/// The first bytes of a UTF-16 or UTF-32 entity as UTF-8, for classification only: the
/// characters up to the first that cannot be decoded (a window may cut one in half).
/// `None` for UTF-8 and EBCDIC, or when the byte order cannot be told.
pub fn window_as_utf8(window: &[u8]) -> Option<String> {
    let mut out = String::new();
    match detect(window) {
        Detected::Utf16 { big_endian, bom } => {
            let body = window.get(if bom { 2 } else { 0 }..)?;
            let units = body.chunks_exact(2).map(|pair| match pair {
                [a, b] if big_endian => u16::from_be_bytes([*a, *b]),
                [a, b] => u16::from_le_bytes([*a, *b]),
                _ => 0,
            });
            out.extend(char::decode_utf16(units).map_while(Result::ok));
        }
        Detected::Utf32 => {
            let (big_endian, start) = match window {
                [0x00, 0x00, 0xFE, 0xFF, ..] => (true, 4),
                [0xFF, 0xFE, 0x00, 0x00, ..] => (false, 4),
                [0x00, 0x00, 0x00, _, ..] => (true, 0),
                [_, 0x00, 0x00, 0x00, ..] => (false, 0),
                // The unusual octet orders (2143, 3412) are refused unread.
                _ => return None,
            };
            let body = window.get(start..)?;
            out.extend(
                body.chunks_exact(4)
                    .map(|q| match q {
                        [a, b, c, d] if big_endian => u32::from_be_bytes([*a, *b, *c, *d]),
                        [a, b, c, d] => u32::from_le_bytes([*a, *b, *c, *d]),
                        _ => u32::MAX,
                    })
                    .map_while(char::from_u32),
            );
        }
        Detected::Utf8 { .. } | Detected::Ebcdic => return None,
    }
    Some(out)
}

/// How a declared encoding name (XML 1.0 section 4.3.3, production 81) relates to the
/// encoding the bytes are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    /// The declaration agrees with the bytes.
    Agrees,
    /// The declaration names an encoding of another family than the bytes' (a byte
    /// order mark, or the zero-byte pattern, says otherwise).
    Contradicts(&'static str),
    /// The declaration names an 8-bit encoding this gate does not read.
    Unsupported,
}

/// Judges the declared encoding `name` against what the bytes are (`detected`).
/// Encoding names match case-insensitively (section 4.3.3).
pub fn judge_declared(name: &str, detected: Detected) -> Declared {
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    let utf8 = is("UTF-8") || is("UTF8");
    let ascii = is("US-ASCII") || is("ASCII");
    let utf16 = is("UTF-16");
    let utf16be = is("UTF-16BE");
    let utf16le = is("UTF-16LE");
    let wide = utf16
        || utf16be
        || utf16le
        || is("ISO-10646-UCS-2")
        || is("UCS-2")
        || is("UTF-32")
        || is("UTF-32BE")
        || is("UTF-32LE")
        || is("ISO-10646-UCS-4")
        || is("UCS-4");
    match detected {
        Detected::Utf8 { .. } if utf8 || ascii => Declared::Agrees,
        Detected::Utf8 { bom: true } => Declared::Contradicts(
            "a UTF-8 byte order mark is followed by a declaration of another encoding (XML 1.0 section 4.3.3)",
        ),
        Detected::Utf8 { bom: false } if wide => Declared::Contradicts(
            "the declaration names a 16- or 32-bit encoding but the document is written in 8-bit units (XML 1.0 Appendix F.1)",
        ),
        Detected::Utf8 { bom: false } => Declared::Unsupported,
        Detected::Utf16 { bom: true, .. } if utf16 => Declared::Agrees,
        Detected::Utf16 { big_endian, .. } if (utf16be && big_endian) || (utf16le && !big_endian) => {
            Declared::Agrees
        }
        Detected::Utf16 { bom: false, .. } if utf16 => Declared::Contradicts(
            "a UTF-16 document without a byte order mark (XML 1.0 section 4.3.3 requires one for UTF-16; UTF-16BE or UTF-16LE name the byte order instead)",
        ),
        Detected::Utf16 { bom: true, .. } => Declared::Contradicts(
            "a UTF-16 byte order mark is followed by a declaration of another encoding (XML 1.0 section 4.3.3)",
        ),
        Detected::Utf16 { bom: false, .. } => Declared::Contradicts(
            "the document is written in 16-bit units but declares another encoding (XML 1.0 Appendix F.1)",
        ),
        Detected::Utf32 | Detected::Ebcdic => Declared::Unsupported,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units = std::iter::once(0xFEFF)
            .filter(|_| bom)
            .chain(text.encode_utf16());
        for u in units {
            out.extend(if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        out
    }

    #[test]
    fn appendix_f1_with_a_byte_order_mark() {
        assert_eq!(detect(b"\x00\x00\xFE\xFF\x00\x00\x00<"), Detected::Utf32);
        assert_eq!(detect(b"\xFF\xFE\x00\x00<\x00\x00\x00"), Detected::Utf32);
        assert_eq!(
            detect(&utf16("<a/>", true, true)),
            Detected::Utf16 {
                big_endian: true,
                bom: true
            }
        );
        assert_eq!(
            detect(&utf16("<a/>", false, true)),
            Detected::Utf16 {
                big_endian: false,
                bom: true
            }
        );
        assert_eq!(detect(b"\xEF\xBB\xBF<a/>"), Detected::Utf8 { bom: true });
    }

    #[test]
    fn appendix_f1_without_a_byte_order_mark() {
        assert_eq!(detect(b"\x00\x00\x00<\x00\x00\x00?"), Detected::Utf32);
        assert_eq!(detect(b"<\x00\x00\x00?\x00\x00\x00"), Detected::Utf32);
        assert_eq!(
            detect(&utf16("<?xml", true, false)),
            Detected::Utf16 {
                big_endian: true,
                bom: false
            }
        );
        assert_eq!(
            detect(&utf16("{\"a\":1}", false, false)),
            Detected::Utf16 {
                big_endian: false,
                bom: false
            }
        );
        assert_eq!(detect(b"\x4C\x6F\xA7\x94"), Detected::Ebcdic);
        assert_eq!(detect(b"<?xml"), Detected::Utf8 { bom: false });
        assert_eq!(detect(b""), Detected::Utf8 { bom: false });
    }

    #[test]
    fn utf16_is_transcoded_and_malformed_utf16_is_refused() {
        let text = "<a b='\u{E9}'>\u{1F600}</a>";
        for big_endian in [true, false] {
            for bom in [true, false] {
                let bytes = utf16(text, big_endian, bom);
                assert_eq!(decode_utf16(&bytes, big_endian, bom).unwrap(), text);
                let mut odd = bytes.clone();
                odd.push(b'x');
                assert!(decode_utf16(&odd, big_endian, bom).is_err());
            }
        }
        // A lone high surrogate.
        let lone = [0xFF, 0xFE, b'<', 0, 0x00, 0xD8, b'a', 0];
        assert_eq!(decode_utf16(&lone, false, true).unwrap_err().offset, 4);
    }

    #[test]
    fn a_window_cut_inside_a_character_is_read_up_to_it() {
        let mut bytes = utf16("<s:Envelope>", false, true);
        bytes.push(b'x');
        assert_eq!(window_as_utf8(&bytes).unwrap(), "<s:Envelope>");
        assert_eq!(window_as_utf8(b"<a/>"), None);
        let utf32: Vec<u8> = "<a/>"
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        assert_eq!(window_as_utf8(&utf32).unwrap(), "<a/>");
    }

    #[test]
    fn a_declaration_must_agree_with_the_bytes() {
        let utf8 = Detected::Utf8 { bom: false };
        let utf8_bom = Detected::Utf8 { bom: true };
        let le_bom = Detected::Utf16 {
            big_endian: false,
            bom: true,
        };
        let be = Detected::Utf16 {
            big_endian: true,
            bom: false,
        };
        assert_eq!(judge_declared("utf-8", utf8), Declared::Agrees);
        assert_eq!(judge_declared("US-ASCII", utf8), Declared::Agrees);
        assert_eq!(judge_declared("ISO-8859-1", utf8), Declared::Unsupported);
        assert!(matches!(
            judge_declared("UTF-16", utf8),
            Declared::Contradicts(_)
        ));
        assert!(matches!(
            judge_declared("ISO-8859-1", utf8_bom),
            Declared::Contradicts(_)
        ));
        assert_eq!(judge_declared("UTF-16", le_bom), Declared::Agrees);
        assert_eq!(judge_declared("utf-16le", le_bom), Declared::Agrees);
        assert!(matches!(
            judge_declared("UTF-16BE", le_bom),
            Declared::Contradicts(_)
        ));
        assert!(matches!(
            judge_declared("UTF-8", le_bom),
            Declared::Contradicts(_)
        ));
        assert_eq!(judge_declared("UTF-16BE", be), Declared::Agrees);
        assert!(matches!(
            judge_declared("UTF-16", be),
            Declared::Contradicts(_)
        ));
    }
}
