//! [`Text`]: the string type of report fields that are short and many.
//!
//! A report of one HL7 v2 result message lists dozens of datetimes, each with a path,
//! the value as sent and its canonical form: three `String`s each, so most of a report's
//! allocations, made by the worker that validated the payload and freed by the thread
//! that wrote it. Almost all of those values fit in 24 bytes (`OBX[12]-14`,
//! `20240101013000+0000`, `2024-01-01T01:30:00Z`); `Text` holds them inline, in the same
//! 24 bytes a `String` takes, and allocates only for longer ones.
//!
//! The inline representation is compact_str's, kept private: the public API is `str`
//! in and `str` out, so the choice of representation can change without breaking users.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Text held inline up to 24 bytes, on the heap beyond. Reads as a `str` (`Deref`),
/// compares with `str` and `String`, and serializes as a JSON string.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(compact_str::CompactString);

impl Text {
    /// The empty text (no allocation).
    pub const fn new() -> Self {
        Text(compact_str::CompactString::const_new(""))
    }

    /// The text as a `str`.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The bytes as text, each ill-formed UTF-8 sequence replaced by U+FFFD (as
    /// `String::from_utf8_lossy`), inline when short.
    pub(crate) fn from_utf8_lossy(bytes: &[u8]) -> Self {
        Text(compact_str::CompactString::from_utf8_lossy(bytes))
    }

    /// The text as an owned `String`.
    pub fn into_string(self) -> String {
        self.0.into_string()
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.0.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0.as_str(), f)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text(compact_str::CompactString::new(text))
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text(compact_str::CompactString::from(text))
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Self {
        Text::from(text.as_str())
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.into_string()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        compact_str::CompactString::deserialize(deserializer).map(Text)
    }
}

#[cfg(test)]
mod tests {
    use super::Text;

    #[test]
    fn reads_compares_and_serializes_as_the_str_it_holds() {
        for value in ["", "OBX[12]-14", "2024-01-01T01:30:00Z", &"é".repeat(40)] {
            let text = Text::from(value);
            assert_eq!(text, value);
            assert_eq!(value, text);
            assert_eq!(text.len(), value.len());
            assert_eq!(text.to_string(), value);
            assert_eq!(format!("{text:?}"), format!("{value:?}"));
            let json = serde_json::to_string(&text).unwrap();
            assert_eq!(json, serde_json::to_string(value).unwrap());
            let back: Text = serde_json::from_str(&json).unwrap();
            assert_eq!(back, text);
            assert_eq!(String::from(back), value);
        }
        assert_eq!(Text::new(), "");
    }
}
