//! Airtable timestamps.

use std::fmt;
use std::ops::Deref;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time as Airtable writes it: ISO 8601 in UTC with milliseconds
/// (`2019-01-03T12:33:12.421Z`).
///
/// Parsing accepts any RFC 3339 time; writing always uses milliseconds and `Z`, which is the
/// form Airtable sends, so values read from Airtable are written back unchanged.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    /// The current time.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn now() -> Self {
        Timestamp(Utc::now())
    }

    /// The wrapped `chrono` time.
    pub fn as_datetime(&self) -> &DateTime<Utc> {
        &self.0
    }

    /// The time in Airtable's format.
    pub fn to_airtable_string(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

impl Deref for Timestamp {
    type Target = DateTime<Utc>;
    fn deref(&self) -> &DateTime<Utc> {
        &self.0
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Timestamp(t)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(t: Timestamp) -> Self {
        t.0
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.to_airtable_string())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_airtable_string())
    }
}

impl std::str::FromStr for Timestamp {
    type Err = chrono::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Timestamp(
            DateTime::parse_from_rfc3339(s)?.with_timezone(&Utc),
        ))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_airtable_string())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|e| serde::de::Error::custom(format!("{s:?} is not an ISO 8601 time: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_airtable_form() {
        for s in ["2019-01-03T12:33:12.421Z", "2022-09-12T21:03:48.000Z"] {
            let t: Timestamp = serde_json::from_str(&format!("\"{s}\"")).unwrap();
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{s}\""));
        }
        let t: Timestamp = "2022-09-12T23:03:48+02:00".parse().unwrap();
        assert_eq!(t.to_string(), "2022-09-12T21:03:48.000Z");
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    }
}
