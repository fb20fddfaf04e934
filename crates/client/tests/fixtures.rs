//! Every model parses every real Airtable sample in shared/fixtures/airtable and writes it
//! back as equal JSON; likewise for examples from Airtable's documentation (seed files).

use std::path::PathBuf;

use airtable_client::models::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/airtable")
}

/// Parses `value` as `T`, writes it back, and checks the JSON is equal.
fn round_trip<T: DeserializeOwned + Serialize>(name: &str, value: &Value) -> T {
    let parsed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| {
        panic!(
            "{name}: does not parse as {}: {e}",
            std::any::type_name::<T>()
        )
    });
    let back = serde_json::to_value(&parsed).unwrap();
    if &back != value {
        panic!(
            "{name}: round trip changed the JSON\n--- original\n{}\n--- written back\n{}",
            serde_json::to_string_pretty(value).unwrap(),
            serde_json::to_string_pretty(&back).unwrap()
        );
    }
    parsed
}

fn load(file: &str) -> Value {
    let path = fixtures_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file} is not JSON: {e}"))
}

fn check_fixture(file: &str) {
    let v = load(file);
    match file {
        "AuditLogResponse.json" => {
            let r: AuditLogResponse = round_trip(file, &v);
            assert!(r.extra.is_empty());
            let e = &r.events[0];
            assert_eq!(e.action, "createBase");
            assert_eq!(e.actor.kind, AuditActorType::User);
            assert_eq!(
                e.actor.user.as_ref().unwrap().name.as_deref(),
                Some("Jane Doe")
            );
            assert_eq!(e.context.base_id.as_ref().unwrap(), "appLkNDICXNqxSDhG");
            assert!(e.extra.is_empty() && e.context.extra.is_empty() && e.origin.extra.is_empty());
            assert_eq!(
                AuditCursor::from_page(SortOrder::Ascending, &r)
                    .unwrap()
                    .token,
                "MDFHUk5OMlM4MFhTNkY0R0M2QVlZTVZNNDQ="
            );
        }
        "BaseCollaborators.json" => {
            let b: Base = round_trip(file, &v);
            assert!(b.extra.is_empty());
            assert_eq!(b.permission_level, PermissionLevel::None);
            let interfaces = b.interfaces.as_ref().unwrap();
            assert_eq!(interfaces.len(), 1);
            let i = interfaces.values().next().unwrap();
            assert!(i.extra.is_empty());
            assert_eq!(i.invite_links[0].kind, InviteType::SingleUse);
            let links = b.invite_links.as_ref().unwrap();
            assert_eq!(links.base_invite_links[0].invited_email, None);
            assert_eq!(b.package_installations.as_ref().unwrap().len(), 2);
            assert_eq!(
                b.individual().unwrap().base_collaborators[0].permission_level,
                PermissionLevel::Create
            );
        }
        "BaseSchema.json" => {
            let s: BaseSchema = round_trip(file, &v);
            assert_eq!(s.tables.len(), 2);
            assert!(s.tables.iter().all(|t| t.extra.is_empty()));
            assert!(s
                .tables
                .iter()
                .flat_map(|t| &t.fields)
                .all(|f| f.extra.is_empty()));
        }
        "BaseShares.json" => {
            let s: SharesResponse = round_trip(file, &v);
            assert_eq!(s.shares.len(), 3);
            assert!(s.shares.iter().all(|s| s.extra.is_empty()));
            assert_eq!(s.shares[1].kind, ShareType::View);
            assert_eq!(s.shares[2].state, EnabledState::Disabled);
        }
        "Bases.json" => {
            let b: BasesResponse = round_trip(file, &v);
            assert_eq!(b.bases.len(), 2);
            assert_eq!(b.bases[1].permission_level, PermissionLevel::Edit);
        }
        "EnterpriseInfo.json" => {
            let e: EnterpriseInfo = round_trip(file, &v);
            assert!(e.extra.is_empty());
            assert_eq!(e.user_ids.len(), 3);
            assert!(e.email_domains[0].is_sso_required);
            assert_eq!(e.root_enterprise_account_id.as_ref(), Some(&e.id));
        }
        "Package.json" => {
            let p: Package = round_trip(file, &v);
            assert!(p.extra.is_empty());
            assert_eq!(p.install_count, Some(12));
        }
        "PersonalAccessToken.json" => {
            let t: PersonalAccessToken = round_trip(file, &v);
            assert!(t.extra.is_empty());
            assert_eq!(t.resource_access.as_ref().unwrap().mode, "enterprise");
        }
        "UserGroup.json" => {
            let g: Group = round_trip(file, &v);
            assert!(g.extra.is_empty());
            assert_eq!(g.members.len(), 3);
            assert_eq!(g.members[1].role, GroupRole::Manager);
            assert!(g.members.iter().all(|m| m.extra.is_empty()));
            let c = g.collaborations.as_ref().unwrap();
            assert_eq!(c.interface_collaborations.len(), 1);
        }
        "UserInfo.json" => {
            let u: User = round_trip(file, &v);
            assert!(u.extra.is_empty(), "{:?}", u.extra);
            assert_eq!(u.state, UserState::Provisioned);
            assert!(u.is_active());
            assert_eq!(u.is_admin, Some(true));
            assert_eq!(u.groups.as_ref().unwrap().len(), 2);
            assert_eq!(
                u.invited_to_airtable_by_user_id,
                Some(Some("usrsOEchC9xuwRgKk".parse().unwrap()))
            );
        }
        "UserRemoved.json" => {
            let r: UserRemoved = round_trip(file, &v);
            assert!(r.extra.is_empty());
            assert!(r.was_user_removed_as_admin);
            assert_eq!(r.unshared.interfaces[0].interface_id, "pgb00000000000000");
            assert_eq!(
                r.shared.workspaces[0].permission_level,
                PermissionLevel::Owner
            );
        }
        "WorkspaceCollaborators.json" => {
            let w: Workspace = round_trip(file, &v);
            assert!(w.extra.is_empty());
            assert_eq!(w.base_ids.len(), 2);
            let r = w.workspace_restrictions.as_ref().unwrap();
            assert_eq!(r.invite_creation_restriction, Restriction::OnlyOwners);
            let g = w.group_collaborators.as_ref().unwrap();
            assert_eq!(
                g.base_collaborators[0].base_id.as_ref().unwrap(),
                "appLkNDICXNqxSDhG"
            );
            let links = w.invite_links.as_ref().unwrap();
            assert_eq!(
                links.workspace_invite_links[0].restricted_to_email_domains,
                ["foobar.com"]
            );
        }
        other => panic!("fixture {other} has no model test: add one to tests/fixtures.rs"),
    }
}

#[test]
fn every_fixture_parses_and_round_trips() {
    let dir = fixtures_dir();
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| f.ends_with(".json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 12,
        "expected the 12 samples, found {files:?}"
    );
    for f in &files {
        check_fixture(f);
    }
}

#[test]
fn unknown_fields_and_values_survive() {
    let mut v = load("UserInfo.json");
    v["state"] = json!("suspendedForReview");
    v["futureField"] = json!({"nested": [1, 2, 3]});
    v["collaborations"]["baseCollaborations"][0]["newKey"] = json!(true);
    let u: User = round_trip("UserInfo+unknown", &v);
    assert_eq!(u.state, UserState::Other("suspendedForReview".into()));
    assert_eq!(u.extra["futureField"], json!({"nested": [1, 2, 3]}));
}

#[test]
fn invalid_ids_are_rejected() {
    let mut v = load("UserInfo.json");
    v["id"] = json!("wspmhESAta6clCCwF");
    let err = serde_json::from_value::<User>(v).unwrap_err().to_string();
    assert!(err.contains("not a valid user ID"), "{err}");
}

#[test]
fn null_and_absent_are_kept_apart() {
    let mut v = load("UserInfo.json");
    v["invitedToAirtableByUserId"] = Value::Null;
    v["lastActivityTime"] = Value::Null;
    let u: User = round_trip("UserInfo+nulls", &v);
    assert_eq!(u.invited_to_airtable_by_user_id, Some(None));
    assert_eq!(u.last_activity_time, None);
    v.as_object_mut()
        .unwrap()
        .remove("invitedToAirtableByUserId");
    let u: User = round_trip("UserInfo-inviter", &v);
    assert_eq!(u.invited_to_airtable_by_user_id, None);
}

/// `{}` reads as `T::default()`, and `T::default()` writes `expected` (absent options left
/// out, options written as `null` kept).
fn empty_reads_and_writes<T>(expected: Value)
where
    T: DeserializeOwned + Serialize + Default + PartialEq + std::fmt::Debug,
{
    let name = std::any::type_name::<T>();
    let parsed: T = serde_json::from_value(json!({}))
        .unwrap_or_else(|e| panic!("{name}: {{}} does not parse: {e}"));
    assert_eq!(parsed, T::default(), "{name}: {{}} is not the default");
    assert_eq!(
        serde_json::to_value(T::default()).unwrap(),
        expected,
        "{name}: the default writes other JSON"
    );
}

#[test]
fn empty_objects_are_defaults() {
    empty_reads_and_writes::<UserAccountValues>(json!({}));
    empty_reads_and_writes::<UpdateUserRequest>(json!({}));
    empty_reads_and_writes::<RemoveUserRequest>(json!({}));
    empty_reads_and_writes::<UpdateRestrictionsRequest>(json!({}));
    empty_reads_and_writes::<ScimName>(json!({}));
    empty_reads_and_writes::<ScimMeta>(json!({}));
    empty_reads_and_writes::<ScimEnterpriseExtension>(json!({}));
    empty_reads_and_writes::<AuditLogQuery>(json!({"sortOrder": "descending"}));
    empty_reads_and_writes::<AuditPagination>(json!({"next": null, "previous": null}));
    empty_reads_and_writes::<AuditLogResponse>(json!({"events": []}));
    empty_reads_and_writes::<BasesResponse>(json!({"bases": []}));
    empty_reads_and_writes::<PersonalAccessTokensResponse>(json!({"personalAccessTokens": []}));
    empty_reads_and_writes::<Collaborations>(json!({
        "baseCollaborations": [],
        "interfaceCollaborations": [],
        "workspaceCollaborations": [],
    }));
    empty_reads_and_writes::<UserRemoved>(json!({
        "wasUserRemovedAsAdmin": false,
        "shared": {"workspaces": []},
        "unshared": {"bases": [], "interfaces": [], "workspaces": []},
    }));
    empty_reads_and_writes::<DeleteUsersResponse>(json!({"deletedUsers": [], "errors": []}));
    empty_reads_and_writes::<EnterpriseIds>(json!({
        "userIds": [],
        "groupIds": [],
        "workspaceIds": [],
    }));
}

#[test]
fn options_written_as_null_stay_null() {
    let values = UserAccountValues {
        last_activity_time: Some(None),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&values).unwrap(),
        json!({"lastActivityTime": null})
    );
    let group = json!({"displayName": null, "id": "ugpQ7PJ2boxzMAKFU", "schemas": []});
    let g: ScimGroup = round_trip("SCIM group without a name", &group);
    assert_eq!(g.display_name, None);
    let mut u: User = serde_json::from_value(load("UserInfo.json")).unwrap();
    u.last_activity_time = None;
    u.invited_to_airtable_by_user_id = None;
    let written = serde_json::to_value(&u).unwrap();
    assert_eq!(written["lastActivityTime"], Value::Null);
    assert!(written.get("invitedToAirtableByUserId").is_none());
}

// ---- Examples from Airtable's documentation (seed files 003 and 004) ----

#[test]
fn doc_get_user_by_id_example() {
    let v = json!({"collaborations": {"baseCollaborations": [{"baseId": "appLkNDICXNqxSDhG","createdTime": "2019-01-03T12:33:12.421Z","grantedByUserId": "usrqccqnMB2eHylqB","permissionLevel": "edit"}],"interfaceCollaborations": [{"baseId": "appLkNDICXNqxSDhG","createdTime": "2019-01-03T12:33:12.421Z","grantedByUserId": "usrqccqnMB2eHylqB","interfaceId": "pbdyGA3PsOziEHPDE","permissionLevel": "edit"}],"workspaceCollaborations": [{"createdTime": "2019-01-03T12:33:12.421Z","grantedByUserId": "usrGcrteE5fUMqq0R","permissionLevel": "owner","workspaceId": "wspmhESAta6clCCwF"}]},"createdTime": "2019-01-03T12:33:12.421Z","email": "foo@bar.com","groups": [{"id": "ugp1mKGb3KXUyQfOZ"},{"id": "ugpR8ZT9KtIgp8Bh3"}],"id": "usrL2PNC5o3H4lBEi","invitedToAirtableByUserId": "usrsOEchC9xuwRgKk","isManaged": true,"isServiceAccount": false,"isSsoRequired": true,"isTwoFactorAuthEnabled": false,"lastActivityTime": "2019-01-03T12:33:12.421Z","name": "foo baz","state": "provisioned"});
    let u: User = round_trip("doc get-user-by-id", &v);
    assert!(u.extra.is_empty());
    assert_eq!(u.is_admin, None);
}

#[test]
fn doc_block_installations_example() {
    let v = json!([{"blockId": "blkSmwFJEdER6oksM","blockSlug": "chart","createdByUserId": "usrL2PNC5o3H4lBEi","createdTime": "2019-01-01T00:00:00.000Z","id": "bliXyN0Q6zfajnDOG","state": "enabled"}]);
    let b: Vec<BlockInstallation> = round_trip("doc list-block-installations", &v);
    assert_eq!(b[0].state, EnabledState::Enabled);
    assert!(b[0].extra.is_empty());
    let body = serde_json::to_value(SetStateRequest {
        state: EnabledState::Disabled,
    })
    .unwrap();
    assert_eq!(body, json!({"state": "disabled"}));
}

#[test]
fn doc_list_shares_example() {
    let v = json!({"shares": [{"createdByUserId": "usrL2PNC5o3H4lBEi","createdTime": "2019-01-01T00:00:00.000Z","effectiveEmailDomainAllowList": ["foobar.com"],"isPasswordProtected": true,"restrictedToEmailDomains": ["foobar.com"],"restrictedToEnterpriseMembers": false,"shareId": "shr9SpczJvQpfAzSp","shareTokenPrefix": "shr9Spcz","state": "enabled","type": "base"},{"canBeSynced": true,"createdByUserId": "usrL2PNC5o3H4lBEi","createdTime": "2019-01-01T00:00:00.000Z","isPasswordProtected": false,"restrictedToEmailDomains": [],"restrictedToEnterpriseMembers": false,"shareId": "shrMg5vs9SpczJvQp","shareTokenPrefix": "shrMg5vs","state": "disabled","type": "view","viewId": "viwQpsuEDqHFqegkp"},{"blockInstallationId": "bliXyN0Q6zfajnDOG","createdByUserId": "usrL2PNC5o3H4lBEi","createdTime": "2019-01-01T00:00:00.000Z","isPasswordProtected": false,"restrictedToEmailDomains": [],"restrictedToEnterpriseMembers": false,"shareId": "shrjjKdhMg5vs9Spc","shareTokenPrefix": "shrjjKdh","state": "disabled","type": "blockInstallation"}]});
    let s: SharesResponse = round_trip("doc list-shares", &v);
    assert_eq!(s.shares[1].can_be_synced, Some(true));
}

#[test]
fn doc_workspace_collaborators_example() {
    let v = json!({"baseIds": ["appLkNDICXNqxSDhG","appSW9R5uCNmRmfl6"],"collaborators": {"baseCollaborators": [{"baseId": "appLkNDICXNqxSDhG","createdTime": "2019-01-03T12:33:12.421Z","email": "foo@bam.com","grantedByUserId": "usrL2PNC5o3H4lBEi","permissionLevel": "create","userId": "usrsOEchC9xuwRgKk"}],"workspaceCollaborators": [{"createdTime": "2019-01-03T12:33:12.421Z","email": "foo@bar.com","grantedByUserId": "usrL2PNC5o3H4lBEi","permissionLevel": "owner","userId": "usrL2PNC5o3H4lBEi"}]},"createdTime": "2019-01-03T12:33:12.421Z","groupCollaborators": {"baseCollaborators": [{"baseId": "appLkNDICXNqxSDhG","createdTime": "2019-01-03T12:33:12.421Z","grantedByUserId": "usrL2PNC5o3H4lBEi","groupId": "ugpR8ZT9KtIgp8Bh3","name": "group 2","permissionLevel": "create"}],"workspaceCollaborators": [{"createdTime": "2019-01-03T12:33:12.421Z","grantedByUserId": "usrL2PNC5o3H4lBEi","groupId": "ugp1mKGb3KXUyQfOZ","name": "group 1","permissionLevel": "edit"}]},"id": "wspmhESAta6clCCwF","individualCollaborators": {"baseCollaborators": [{"baseId": "appLkNDICXNqxSDhG","createdTime": "2019-01-03T12:33:12.421Z","email": "foo@bam.com","grantedByUserId": "usrL2PNC5o3H4lBEi","permissionLevel": "create","userId": "usrsOEchC9xuwRgKk"}],"workspaceCollaborators": [{"createdTime": "2019-01-03T12:33:12.421Z","email": "foo@bar.com","grantedByUserId": "usrL2PNC5o3H4lBEi","permissionLevel": "owner","userId": "usrL2PNC5o3H4lBEi"}]},"inviteLinks": {"baseInviteLinks": [{"baseId": "appSW9R5uCNmRmfl6","createdTime": "2019-01-03T12:33:12.421Z","id": "invJiqaXmPqq6Ec87","invitedEmail": null,"permissionLevel": "read","referredByUserId": "usrsOEchC9xuwRgKk","restrictedToEmailDomains": [],"type": "multiUse"}],"workspaceInviteLinks": [{"createdTime": "2019-01-03T12:33:12.421Z","id": "invJiqaXmPqq6Ec87","invitedEmail": "bam@bam.com","permissionLevel": "owner","referredByUserId": "usrL2PNC5o3H4lBEi","restrictedToEmailDomains": ["foobar.com"],"type": "singleUse"}]},"name": "my first workspace","workspaceRestrictions": {"inviteCreationRestriction": "onlyOwners","shareCreationRestriction": "unrestricted"}});
    let w: Workspace = round_trip("doc get-workspace-collaborators", &v);
    assert!(w.extra.is_empty());
}

#[test]
fn doc_scim_examples() {
    let patched = json!({"active": true,"displayName": "Jane Doe","emails": [{"primary": true,"type": "work","value": "jane.doe@example.com"}],"externalId": "00u19pelnizu7vExD0h8","groups": [],"id": "usrogvSbotRtzdtZW","locale": "en-US","meta": {"created": "2022-06-29T18:16:07.990Z","lastModified": "2022-07-06T17:36:19.513Z","location": "/scim/v2/Users/usr00000000000000","resourceType": "User"},"name": {"familyName": "Doe","givenName": "Jane"},"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"title": "Manager","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"costCenter": "Example Cost Center","department": "Example Department","division": "Example Division"},"userName": "jane.doe@example.com"});
    let u: ScimUser = round_trip("doc patch-scim-user", &patched);
    assert!(u.extra.is_empty());
    assert_eq!(
        u.enterprise.as_ref().unwrap().department.as_deref(),
        Some("Example Department")
    );

    let list = json!({"Resources": [{"active": true,"id": "usrogvSbotRtzdtZW","meta": {"created": "2021-06-02T07:37:19.000Z","location": "/scim/v2/Users/usr00000000000000","resourceType": "User"},"name": {"familyName": "Jane","givenName": "Doe"},"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],"userName": "foo@bar.com"}],"itemsPerPage": 1,"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"startIndex": 2,"totalResults": 3});
    let l: ScimListResponse<ScimUser> = round_trip("doc list-scim-users", &list);
    assert_eq!(
        (l.start_index, l.items_per_page, l.total_results),
        (2, 1, 3)
    );

    let group = json!({"displayName": "Updated Example Group","id": "ugpQ7PJ2boxzMAKFU","members": [{"value": "usrI7HMkO7sAefUHk"}],"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]});
    let g: ScimGroup = round_trip("doc patch-scim-group", &group);
    assert_eq!(g.members.as_ref().unwrap().len(), 1);
    let put = json!({"displayName": "Updated Example Group","id": "ugpQ7PJ2boxzMAKFU","schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]});
    let _: ScimGroup = round_trip("doc put-scim-group", &put);

    // The documented PATCH request bodies.
    let body = ScimPatchRequest::new(vec![ScimPatchOp::replace("title", json!("Manager"))]);
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"Operations": [{"op": "replace","path": "title","value": "Manager"}],"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]})
    );
    let body = ScimPatchRequest::new(vec![
        ScimPatchOp::add("members", json!({"value": "usrI7HMkO7sAefUHk"})),
        ScimPatchOp::remove("members[value eq\"usrI7HMkO7sAefUHk\"]"),
        ScimPatchOp::replace("members", json!([{"value": "usrI7HMkO7sAefUHk"}])),
        ScimPatchOp::replace("displayName", json!("Updated Example Group")),
    ]);
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"Operations": [{"op": "add","path": "members","value": {"value": "usrI7HMkO7sAefUHk"}},{"op": "remove","path": "members[value eq\"usrI7HMkO7sAefUHk\"]"},{"op": "replace","path": "members","value": [{"value": "usrI7HMkO7sAefUHk"}]},{"op": "replace","path": "displayName","value": "Updated Example Group"}],"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]})
    );
}

#[test]
fn doc_create_base_and_install_package() {
    let created = json!({"id": "appLkNDICXNqxSDhG","tables": [{"description": "A to-do list of places to visit","fields": [{"description": "Name of the apartment","id": "fld1VnoyuotSTyxW1","name": "Name","type": "singleLineText"},{"id": "fldoi0c3GaRQJ3xnI","name": "Address","type": "singleLineText"},{"id": "fldumZe00w09RYTW6","name": "Visited","options": {"color": "redBright","icon": "star"},"type": "checkbox"}],"id": "tbltp8DGLhqbUmjK1","name": "Apartments","primaryFieldId": "fld1VnoyuotSTyxW1","views": [{"id": "viwQpsuEDqHFqegkp","name": "Grid view","type": "grid"}]}]});
    let c: CreatedBase = round_trip("doc create-base", &created);
    assert_eq!(c.tables[0].fields.len(), 3);

    let body = InstallPackageRequest {
        description: Some("A new enterprise managed app".into()),
        name: "New Enterprise Managed App".into(),
        package_release_id: "pkrsTB7Ic2RhsA4pe".into(),
        workspace_id: "wspmhESAta6clCCwF".parse().unwrap(),
    };
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"description": "A new enterprise managed app","name": "New Enterprise Managed App","packageReleaseId": "pkrsTB7Ic2RhsA4pe","workspaceId": "wspmhESAta6clCCwF"})
    );
}

#[test]
fn doc_request_bodies() {
    let add = AddCollaboratorsRequest {
        collaborators: vec![NewCollaborator::new(
            "usr00000000000000"
                .parse::<airtable_client::ids::UserId>()
                .unwrap(),
            PermissionLevel::Edit,
        )],
    };
    assert_eq!(
        serde_json::to_value(&add).unwrap(),
        json!({"collaborators": [{"permissionLevel": "edit","user": {"id": "usr00000000000000"}}]})
    );
    let add_group = NewCollaborator::new(
        "ugp1mKGb3KXUyQfOZ"
            .parse::<airtable_client::ids::GroupId>()
            .unwrap(),
        PermissionLevel::Read,
    );
    assert_eq!(
        serde_json::to_value(&add_group).unwrap(),
        json!({"permissionLevel": "read","group": {"id": "ugp1mKGb3KXUyQfOZ"}})
    );
    let upd = UpdateCollaboratorRequest {
        permission_level: PermissionLevel::Read,
    };
    assert_eq!(
        serde_json::to_value(&upd).unwrap(),
        json!({"permissionLevel": "read"})
    );

    let mv = MoveBaseRequest {
        base_id: "appLkNDICXNqxSDhG".parse().unwrap(),
        target_index: Some(0),
        target_workspace_id: "wspmhESAta6clCCwF".parse().unwrap(),
    };
    assert_eq!(
        serde_json::to_value(&mv).unwrap(),
        json!({"baseId": "appLkNDICXNqxSDhG","targetIndex": 0,"targetWorkspaceId": "wspmhESAta6clCCwF"})
    );

    let claim = ClaimUsersRequest {
        users: vec![
            ClaimUser {
                user: UserRef::from(
                    "usrL2PNC5o3H4lBEi"
                        .parse::<airtable_client::ids::UserId>()
                        .unwrap(),
                ),
                state: MembershipState::Managed,
            },
            ClaimUser {
                user: UserRef::email("foo@bar.com"),
                state: MembershipState::Unmanaged,
            },
        ],
    };
    assert_eq!(
        serde_json::to_value(&claim).unwrap(),
        json!({"users": [{"id": "usrL2PNC5o3H4lBEi","state": "managed"},{"email": "foo@bar.com","state": "unmanaged"}]})
    );

    let remove = RemoveUserRequest {
        replacement_owner_id: Some("usrsOEchC9xuwRgKk".parse().unwrap()),
        is_dry_run: Some(true),
        remove_from_descendants: None,
    };
    assert_eq!(
        serde_json::to_value(&remove).unwrap(),
        json!({"replacementOwnerId": "usrsOEchC9xuwRgKk","isDryRun": true})
    );

    let batch = BatchUpdateUsersRequest {
        users: vec![BatchUserUpdate {
            user: UserRef::email("foo@bar.com"),
            update: UpdateUserRequest {
                state: Some(UserState::Deactivated),
                ..Default::default()
            },
        }],
    };
    assert_eq!(
        serde_json::to_value(&batch).unwrap(),
        json!({"users": [{"email": "foo@bar.com","state": "deactivated"}]})
    );

    let restr = UpdateRestrictionsRequest {
        invite_creation_restriction: Some(Restriction::Unrestricted),
        share_creation_restriction: Some(Restriction::OnlyOwners),
    };
    assert_eq!(
        serde_json::to_value(&restr).unwrap(),
        json!({"inviteCreationRestriction": "unrestricted","shareCreationRestriction": "onlyOwners"})
    );
}

#[test]
fn batch_replies_with_partial_errors() {
    let v = json!({"errors": [{"email": "foo@baz.com","type": "INVALID_PERMISSIONS","message": "not allowed"},{"id": "usrL2PNC5o3H4lBEi","type": "USER_NOT_FOUND"}]});
    let r: ManageUsersResponse = round_trip("manage users reply", &v);
    assert_eq!(r.errors[0].subject(), Some("foo@baz.com"));
    assert_eq!(r.errors[1].subject(), Some("usrL2PNC5o3H4lBEi"));

    let v = json!({"revokedTokens": [{"id": "pat8fN3RkQx9ZLm2T","userId": "usrL2PNC5o3H4lBEi"}],"errors": [{"tokenId": "patAAAAAAAAAAAAAA","type": "NOT_FOUND","message": "no such token"}]});
    let r: RevokeTokensResponse = round_trip("revoke tokens reply", &v);
    assert_eq!(r.errors[0].subject(), Some("patAAAAAAAAAAAAAA"));

    let v =
        json!({"deletedUsers": [{"id": "usrL2PNC5o3H4lBEi","email": "foo@bar.com"}],"errors": []});
    let _: DeleteUsersResponse = round_trip("delete users reply", &v);
    let v =
        json!({"updatedUsers": [{"id": "usrL2PNC5o3H4lBEi","email": "foo@bar.com"}],"errors": []});
    let _: BatchUpdateUsersResponse = round_trip("batch update reply", &v);
    let v = json!({"movedWorkspaces": [{"id": "wspmhESAta6clCCwF"}],"errors": [{"id": "wspHvvm4dAktsStZH","type": "CANNOT_MOVE","message": "x"}]});
    let _: MoveWorkspacesResponse = round_trip("move workspaces reply", &v);
}

#[test]
fn whoami_forms() {
    let v = json!({"id": "usrL2PNC5o3H4lBEi"});
    let w: WhoAmI = round_trip("whoami bare", &v);
    assert_eq!(w.has_scope("x"), None);
    let v = json!({"id": "usrL2PNC5o3H4lBEi","email": "foo@bar.com","scopes": ["user.email:read","enterprise.user:read"]});
    let w: WhoAmI = round_trip("whoami full", &v);
    assert_eq!(w.has_scope("enterprise.user:read"), Some(true));
    assert_eq!(w.has_scope("enterprise.user:write"), Some(false));
}
