//! Airtable ID parsers (crates/client/src/ids.rs) on arbitrary input: never a panic, and an
//! accepted ID prints back exactly as given.
#![no_main]

use airtable_client::ids::*;
use libfuzzer_sys::fuzz_target;

macro_rules! round_trip {
    ($text:expr, $($id:ty),+) => {$(
        if let Ok(id) = $text.parse::<$id>() {
            assert_eq!(id.to_string(), $text, "{} prints back", stringify!($id));
        }
    )+};
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    round_trip!(
        text,
        EnterpriseId,
        UserId,
        GroupId,
        WorkspaceId,
        BaseId,
        InterfaceId,
        ShareId,
        BlockInstallationId,
        BlockId,
        InviteId,
        PackageId,
        PackageInstallationId,
        PersonalAccessTokenId,
        TableId,
        FieldId,
        ViewId,
        CollaboratorId
    );
});
