//! Typed Airtable identifiers.
//!
//! Airtable IDs are 17 ASCII letters and digits: a three-letter prefix that names the kind of
//! object (`usr`, `ent`, `wsp`, ...) followed by 14 letters or digits. Each kind has its own
//! newtype here so a user ID cannot be passed where a workspace ID is expected. Parsing (and
//! deserialization) checks the prefix and the shape.
//!
//! ```
//! use airtable_client::ids::UserId;
//! let id: UserId = "usrL2PNC5o3H4lBEi".parse().unwrap();
//! assert_eq!(id.as_str(), "usrL2PNC5o3H4lBEi");
//! assert!("wspmhESAta6clCCwF".parse::<UserId>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Length of the part after the prefix.
const BODY_LEN: usize = 14;

/// Why a string is not a valid ID of the requested kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a valid {kind} ID: {reason}")]
pub struct IdError {
    /// The kind of ID that was expected, in words ("user", "workspace", ...).
    pub kind: &'static str,
    /// The rejected input (IDs are not secret).
    pub input: String,
    /// What is wrong, in plain words.
    pub reason: String,
}

fn check(kind: &'static str, prefixes: &[&str], s: &str) -> Result<(), IdError> {
    let err = |reason: String| IdError {
        kind,
        input: s.chars().take(64).collect(),
        reason,
    };
    let expected = prefixes.join("\" or \"");
    let Some(prefix) = prefixes.iter().find(|p| s.starts_with(**p)) else {
        return Err(err(format!("it should start with \"{expected}\"")));
    };
    let body = &s[prefix.len()..];
    if !body.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(err("it may only contain letters and digits".into()));
    }
    if body.len() != BODY_LEN {
        return Err(err(format!(
            "it should be {} characters long, not {}",
            prefix.len() + BODY_LEN,
            s.len()
        )));
    }
    Ok(())
}

macro_rules! define_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal, [$($prefix:literal),+]) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The prefixes this kind of ID starts with.
            pub const PREFIXES: &'static [&'static str] = &[$($prefix),+];
            /// The kind of object, in words.
            pub const KIND: &'static str = $kind;

            /// Checks and wraps an ID.
            pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
                let s = s.into();
                check($kind, Self::PREFIXES, &s)?;
                Ok(Self(s))
            }

            /// The ID as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The ID as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

define_id!(
    /// An enterprise account ID (`ent…`).
    EnterpriseId, "enterprise account", ["ent"]);
define_id!(
    /// A user ID (`usr…`). Airtable writes `usrEXTERNREDACTED` for users it hides.
    UserId, "user", ["usr"]);
define_id!(
    /// A user group ID (`ugp…`).
    GroupId, "user group", ["ugp"]);
define_id!(
    /// A workspace ID (`wsp…`).
    WorkspaceId, "workspace", ["wsp"]);
define_id!(
    /// A base ID (`app…`).
    BaseId, "base", ["app"]);
define_id!(
    /// An interface (page bundle) ID (`pbd…`). One of Airtable's documentation samples uses
    /// `pgb…`, which is accepted too.
    InterfaceId, "interface", ["pbd", "pgb"]);
define_id!(
    /// A share ID (`shr…`).
    ShareId, "share", ["shr"]);
define_id!(
    /// A block (extension) installation ID (`bli…`).
    BlockInstallationId, "extension installation", ["bli"]);
define_id!(
    /// A block (extension) ID (`blk…`).
    BlockId, "extension", ["blk"]);
define_id!(
    /// An invite link ID (`inv…`).
    InviteId, "invite", ["inv"]);
define_id!(
    /// A package (enterprise managed app) ID (`pkg…`).
    PackageId, "package", ["pkg"]);
define_id!(
    /// A package installation ID (`pki…`).
    PackageInstallationId, "package installation", ["pki"]);
define_id!(
    /// A personal access token ID (`pat…`). This is the token's public ID, not the secret.
    PersonalAccessTokenId, "personal access token", ["pat"]);
define_id!(
    /// A table ID (`tbl…`).
    TableId, "table", ["tbl"]);
define_id!(
    /// A field ID (`fld…`).
    FieldId, "field", ["fld"]);
define_id!(
    /// A view ID (`viw…`).
    ViewId, "view", ["viw"]);

/// The ID of a collaborator: a user or a user group. Collaborator routes take either.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CollaboratorId {
    /// A user (`usr…`).
    User(UserId),
    /// A user group (`ugp…`).
    Group(GroupId),
}

impl CollaboratorId {
    /// The ID as a string slice.
    pub fn as_str(&self) -> &str {
        match self {
            CollaboratorId::User(id) => id.as_str(),
            CollaboratorId::Group(id) => id.as_str(),
        }
    }
}

impl fmt::Display for CollaboratorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CollaboratorId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        if s.starts_with("ugp") {
            Ok(CollaboratorId::Group(s.parse()?))
        } else if s.starts_with("usr") {
            Ok(CollaboratorId::User(s.parse()?))
        } else {
            Err(IdError {
                kind: "user or user group",
                input: s.chars().take(64).collect(),
                reason: "it should start with \"usr\" or \"ugp\"".into(),
            })
        }
    }
}

impl AsRef<str> for CollaboratorId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<UserId> for CollaboratorId {
    fn from(id: UserId) -> Self {
        CollaboratorId::User(id)
    }
}

impl From<GroupId> for CollaboratorId {
    fn from(id: GroupId) -> Self {
        CollaboratorId::Group(id)
    }
}

impl Serialize for CollaboratorId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CollaboratorId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_documented_ids() {
        assert!("entUBq2RGdihxl3vU".parse::<EnterpriseId>().is_ok());
        assert!("usrL2PNC5o3H4lBEi".parse::<UserId>().is_ok());
        assert!("usrEXTERNREDACTED".parse::<UserId>().is_ok());
        assert!("ugp1mKGb3KXUyQfOZ".parse::<GroupId>().is_ok());
        assert!("wspmhESAta6clCCwF".parse::<WorkspaceId>().is_ok());
        assert!("appLkNDICXNqxSDhG".parse::<BaseId>().is_ok());
        assert!("pbdyGA3PsOziEHPDE".parse::<InterfaceId>().is_ok());
        assert!("pgb00000000000000".parse::<InterfaceId>().is_ok());
        assert!("shr9SpczJvQpfAzSp".parse::<ShareId>().is_ok());
        assert!("bliXyN0Q6zfajnDOG".parse::<BlockInstallationId>().is_ok());
        assert!("invJiqaXmPqq6Ec87".parse::<InviteId>().is_ok());
        assert!("pkggUqk9xHiC4BeeH".parse::<PackageId>().is_ok());
        assert!("pat8fN3RkQx9ZLm2T".parse::<PersonalAccessTokenId>().is_ok());
    }

    #[test]
    fn rejects_wrong_prefix_with_plain_words() {
        let err = "wspmhESAta6clCCwF".parse::<UserId>().unwrap_err();
        assert_eq!(err.kind, "user");
        assert_eq!(
            err.to_string(),
            "\"wspmhESAta6clCCwF\" is not a valid user ID: it should start with \"usr\""
        );
    }

    #[test]
    fn rejects_bad_shape() {
        assert!("usr".parse::<UserId>().is_err());
        assert!("usrL2PNC5o3H4lBE".parse::<UserId>().is_err()); // 16 chars
        assert!("usrL2PNC5o3H4lBEii".parse::<UserId>().is_err()); // 18 chars
        assert!("usrL2PNC5o3H4l-Ei".parse::<UserId>().is_err());
        assert!("usrL2PNC5o3H4l Ei".parse::<UserId>().is_err());
        assert!("".parse::<UserId>().is_err());
        assert!("USRL2PNC5o3H4lBEi".parse::<UserId>().is_err());
        let err = "usrabc".parse::<UserId>().unwrap_err();
        assert!(
            err.to_string().contains("17 characters long, not 6"),
            "{err}"
        );
        // Non-ASCII must not panic on slicing.
        assert!("usré0000000000000".parse::<UserId>().is_err());
    }

    #[test]
    fn serde_validates() {
        let id: UserId = serde_json::from_str("\"usrL2PNC5o3H4lBEi\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"usrL2PNC5o3H4lBEi\"");
        assert!(serde_json::from_str::<UserId>("\"ugp1mKGb3KXUyQfOZ\"").is_err());
        assert!(serde_json::from_str::<UserId>("17").is_err());
    }

    #[test]
    fn traits() {
        use std::collections::{BTreeSet, HashSet};
        let a: UserId = "usrAAAAAAAAAAAAAA".parse().unwrap();
        let b: UserId = "usrBBBBBBBBBBBBBB".parse().unwrap();
        assert!(a < b);
        let set: BTreeSet<_> = [b.clone(), a.clone()].into_iter().collect();
        assert_eq!(set.into_iter().next().unwrap(), a);
        let hs: HashSet<_> = [a.clone(), a.clone()].into_iter().collect();
        assert_eq!(hs.len(), 1);
        assert_eq!(a.as_ref(), "usrAAAAAAAAAAAAAA");
        assert_eq!(format!("{a}"), "usrAAAAAAAAAAAAAA");
        assert_eq!(format!("{a:?}"), "UserId(\"usrAAAAAAAAAAAAAA\")");
        assert_eq!(a, "usrAAAAAAAAAAAAAA");
    }

    #[test]
    fn collaborator_id() {
        let u: CollaboratorId = "usrL2PNC5o3H4lBEi".parse().unwrap();
        assert!(matches!(u, CollaboratorId::User(_)));
        let g: CollaboratorId = "ugp1mKGb3KXUyQfOZ".parse().unwrap();
        assert!(matches!(g, CollaboratorId::Group(_)));
        assert!("wspmhESAta6clCCwF".parse::<CollaboratorId>().is_err());
        assert_eq!(serde_json::to_string(&g).unwrap(), "\"ugp1mKGb3KXUyQfOZ\"");
    }
}
