//! Every call goes to the documented method and path with the documented body and query.
//! A recording stub server answers with a canned reply set before each call.

use std::sync::{Arc, Mutex};

use airtable_client::ids::*;
use airtable_client::models::*;
use airtable_client::{AccessToken, Client};
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::response::IntoResponse;
use axum::{Json, Router};
use futures::TryStreamExt;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
struct Seen {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    body: Value,
}

#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<Seen>>>,
    replies: Arc<Mutex<Vec<Value>>>,
}

async fn record(State(r): State<Recorder>, req: Request) -> impl IntoResponse {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let bytes: Bytes = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    r.seen.lock().unwrap().push(Seen {
        method,
        path,
        query,
        body,
    });
    let mut replies = r.replies.lock().unwrap();
    let reply = if replies.is_empty() {
        json!({})
    } else {
        replies.remove(0)
    };
    Json(reply)
}

struct Stub {
    client: Client,
    rec: Recorder,
}

impl Stub {
    async fn new() -> Stub {
        let rec = Recorder::default();
        let app = Router::new().fallback(record).with_state(rec.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        // No pacing: this checks what is sent, not when (a dozen calls on one base would
        // otherwise wait for Airtable's 5 per second).
        let client = Client::builder()
            .base_url(format!("http://{addr}"))
            .token(AccessToken::new("tok"))
            .no_rate_limit()
            .per_base_rate_limit(None)
            .build()
            .unwrap();
        Stub { client, rec }
    }

    fn reply(&self, v: Value) {
        self.rec.replies.lock().unwrap().push(v);
    }

    fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.rec.seen.lock().unwrap())
    }

    fn one(&self) -> Seen {
        let mut all = self.take();
        assert_eq!(all.len(), 1, "{all:#?}");
        all.remove(0)
    }

    /// The one request since the last check, which must be `method path`.
    fn sent(&self, method: &str, path: &str) -> Seen {
        let seen = self.one();
        assert_eq!(
            (seen.method.as_str(), seen.path.as_str()),
            (method, path),
            "{seen:#?}"
        );
        seen
    }

    /// The one request since the last check, which must go to `path`.
    fn sent_to(&self, path: &str) -> Seen {
        let seen = self.one();
        assert_eq!(seen.path, path, "{seen:#?}");
        seen
    }
}

fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const E: &str = "entUBq2RGdihxl3vU";
const U: &str = "usrL2PNC5o3H4lBEi";
const U2: &str = "usrsOEchC9xuwRgKk";
const G: &str = "ugp1mKGb3KXUyQfOZ";
const W: &str = "wspmhESAta6clCCwF";
const W2: &str = "wspHvvm4dAktsStZH";
const A: &str = "appLkNDICXNqxSDhG";
const P: &str = "pbdyGA3PsOziEHPDE";

fn ent() -> EnterpriseId {
    E.parse().unwrap()
}
fn usr() -> UserId {
    U.parse().unwrap()
}
fn grp() -> GroupId {
    G.parse().unwrap()
}
fn wsp() -> WorkspaceId {
    W.parse().unwrap()
}
fn app() -> BaseId {
    A.parse().unwrap()
}

fn fixture(name: &str) -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/airtable")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[tokio::test]
async fn enterprise_routes() {
    let s = Stub::new().await;
    let c = &s.client;

    s.reply(fixture("EnterpriseInfo.json"));
    let info = c
        .enterprise(&ent())
        .get()
        .include_aggregated()
        .include_descendants()
        .send()
        .await
        .unwrap();
    assert_eq!(info.id, ent());
    let seen = s.sent("GET", "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU");
    assert_eq!(
        seen.query,
        q(&[("include", "aggregated"), ("include", "descendants")])
    );

    s.reply(json!({"id": "entJ9ZQ5vz9ZQ5vz9"}));
    let d = c
        .enterprise(&ent())
        .create_descendant("East")
        .await
        .unwrap();
    assert_eq!(d.id, "entJ9ZQ5vz9ZQ5vz9");
    let seen = s.sent(
        "POST",
        "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/descendants",
    );
    assert_eq!(seen.body, json!({"name": "East"}));

    s.reply(json!({"movedGroups": [{"id": G}], "errors": []}));
    let target: EnterpriseId = "entJ9ZQ5vz9ZQ5vz9".parse().unwrap();
    let r = c
        .enterprise(&ent())
        .move_groups([grp()], &target)
        .await
        .unwrap();
    assert_eq!(r.moved_groups[0].id, grp());
    let seen = s.sent_to("/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/moveGroups");
    assert_eq!(
        seen.body,
        json!({"groupIds": [G], "targetEnterpriseAccountId": "entJ9ZQ5vz9ZQ5vz9"})
    );

    s.reply(json!({"movedWorkspaces": [{"id": W}], "errors": []}));
    c.enterprise(&ent())
        .move_workspaces([wsp()], &target)
        .await
        .unwrap();
    let seen = s.sent_to("/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/moveWorkspaces");
    assert_eq!(
        seen.body,
        json!({"workspaceIds": [W], "targetEnterpriseAccountId": "entJ9ZQ5vz9ZQ5vz9"})
    );

    s.reply(json!({"id": W2}));
    let w = c.enterprise(&ent()).create_workspace("New").await.unwrap();
    assert_eq!(w.id, W2);
    let seen = s.sent("POST", "/v0/meta/workspaces");
    assert_eq!(seen.body, json!({"enterpriseAccountId": E, "name": "New"}));

    s.reply(json!({"packages": [fixture("Package.json")]}));
    let p = c
        .enterprise(&ent())
        .packages()
        .all_in_grid()
        .send()
        .await
        .unwrap();
    assert_eq!(p.len(), 1);
    let seen = s.sent_to("/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/packages");
    assert_eq!(seen.query, q(&[("shouldGetAllPackagesInGrid", "true")]));

    s.reply(json!({"id": A, "tables": []}));
    let pkg: PackageId = "pkggUqk9xHiC4BeeH".parse().unwrap();
    c.enterprise(&ent())
        .install_package(&pkg, &wsp(), "App", "pkrsTB7Ic2RhsA4pe")
        .description("d")
        .send()
        .await
        .unwrap();
    let seen = s.sent_to(
        "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/packages/pkggUqk9xHiC4BeeH/install",
    );
    assert_eq!(
        seen.body,
        json!({"name": "App", "packageReleaseId": "pkrsTB7Ic2RhsA4pe", "workspaceId": W, "description": "d"})
    );

    s.reply(json!({"personalAccessTokens": [fixture("PersonalAccessToken.json")], "offset": "o1"}));
    s.reply(json!({"personalAccessTokens": [fixture("PersonalAccessToken.json")]}));
    let t = c
        .enterprise(&ent())
        .personal_access_tokens()
        .include_resources()
        .send()
        .await
        .unwrap();
    assert_eq!(t.len(), 2);
    let seen = s.take();
    assert_eq!(
        seen[0].path,
        "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/personalAccessTokens"
    );
    assert_eq!(seen[0].query, q(&[("includeResources", "true")]));
    assert_eq!(
        seen[1].query,
        q(&[("offset", "o1"), ("includeResources", "true")])
    );

    s.reply(json!({"revokedTokens": [{"id": "pat8fN3RkQx9ZLm2T", "userId": U}], "errors": []}));
    let r = c
        .enterprise(&ent())
        .revoke_personal_access_tokens(["pat8fN3RkQx9ZLm2T"
            .parse::<PersonalAccessTokenId>()
            .unwrap()])
        .await
        .unwrap();
    assert_eq!(r.revoked_tokens.len(), 1);
    let seen = s.sent(
        "POST",
        "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/personalAccessTokens/revoke",
    );
    assert_eq!(seen.body, json!({"tokenIds": ["pat8fN3RkQx9ZLm2T"]}));

    let changes: Vec<AiAllowlistChange> = (0..12)
        .map(|i| AiAllowlistChange {
            workspace_id: if i % 2 == 0 {
                wsp()
            } else {
                W2.parse().unwrap()
            },
            is_allowed: i == 0,
        })
        .collect();
    c.enterprise(&ent())
        .update_ai_allowlist(changes)
        .include_descendants()
        .send()
        .await
        .unwrap();
    let seen = s.take();
    assert_eq!(seen.len(), 2, "10 workspaces per request");
    assert_eq!(
        seen[0].path,
        "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/workspaceAiAllowlist"
    );
    assert_eq!(seen[0].body["workspaces"].as_array().unwrap().len(), 10);
    assert_eq!(
        seen[0].body["workspaces"][0],
        json!({"workspaceId": W, "isAllowed": true})
    );
    assert_eq!(seen[1].body["includeDescendantWorkspaces"], json!(true));
}

#[tokio::test]
async fn user_routes() {
    let s = Stub::new().await;
    let c = &s.client;
    let e = c.enterprise(&ent());

    s.reply(fixture("UserInfo.json"));
    let u = e
        .user(&usr())
        .get()
        .include_collaborations()
        .include_collaborations()
        .send()
        .await
        .unwrap();
    assert_eq!(u.id, usr());
    let seen = s.sent(
        "GET",
        "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/users/usrL2PNC5o3H4lBEi",
    );
    assert_eq!(seen.query, q(&[("include", "collaborations")]));

    e.user(&usr())
        .update()
        .state(UserState::Deactivated)
        .email("x@y.z")
        .first_name("F")
        .last_name("L")
        .send()
        .await
        .unwrap();
    let seen = s.sent(
        "PATCH",
        "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/users/usrL2PNC5o3H4lBEi",
    );
    assert_eq!(
        seen.body,
        json!({"state": "deactivated", "email": "x@y.z", "firstName": "F", "lastName": "L"})
    );

    e.user(&usr()).logout().await.unwrap();
    s.sent(
        "POST",
        "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/users/usrL2PNC5o3H4lBEi/logout",
    );

    e.user(&usr()).delete().await.unwrap();
    s.sent(
        "DELETE",
        "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/users/usrL2PNC5o3H4lBEi",
    );

    s.reply(fixture("UserRemoved.json"));
    let r = e
        .user(&usr())
        .remove()
        .replacement_owner(&U2.parse().unwrap())
        .dry_run()
        .remove_from_descendants()
        .send()
        .await
        .unwrap();
    assert!(r.was_user_removed_as_admin);
    let seen = s.sent(
        "POST",
        "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/users/usrL2PNC5o3H4lBEi/remove",
    );
    assert_eq!(
        seen.body,
        json!({"replacementOwnerId": U2, "isDryRun": true, "removeFromDescendants": true})
    );

    s.reply(fixture("UserRemoved.json"));
    e.user(&usr()).remove().send().await.unwrap();
    assert_eq!(
        s.one().body,
        json!({"isDryRun": false}),
        "a real removal says so explicitly"
    );

    s.reply(json!({"updatedUsers": [{"id": U}], "errors": []}));
    let r = e
        .users()
        .update_batch([BatchUserUpdate {
            user: UserRef::from(usr()),
            update: UpdateUserRequest {
                state: Some(UserState::Provisioned),
                ..Default::default()
            },
        }])
        .await
        .unwrap();
    assert_eq!(r.updated_users[0].id, usr());
    let seen = s.sent(
        "PATCH",
        "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/users",
    );
    assert_eq!(
        seen.body,
        json!({"users": [{"id": U, "state": "provisioned"}]})
    );

    s.reply(json!({"deletedUsers": [{"id": U, "email": "a@b.c"}], "errors": [{"email": "c@d.e", "type": "INVALID_PERMISSIONS"}]}));
    let r = e.users().delete_by_email(["a@b.c", "c@d.e"]).await.unwrap();
    assert_eq!(r.errors[0].subject(), Some("c@d.e"));
    let seen = s.sent(
        "DELETE",
        "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/users",
    );
    assert_eq!(seen.query, q(&[("email", "a@b.c"), ("email", "c@d.e")]));

    e.users()
        .claim([ClaimUser {
            user: UserRef::email("a@b.c"),
            state: MembershipState::Managed,
        }])
        .await
        .unwrap();
    let seen = s.sent(
        "POST",
        "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/users/claim",
    );
    assert_eq!(
        seen.body,
        json!({"users": [{"email": "a@b.c", "state": "managed"}]})
    );

    e.users()
        .grant_admin([UserRef::from(usr()), UserRef::email("a@b.c")])
        .await
        .unwrap();
    let seen = s.sent_to("/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/users/grantAdminAccess");
    assert_eq!(seen.body, json!({"users": [{"id": U}, {"email": "a@b.c"}]}));

    e.users()
        .revoke_admin([UserRef::from(usr())])
        .await
        .unwrap();
    let seen = s.sent_to("/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/users/revokeAdminAccess");
    assert_eq!(seen.body, json!({"users": [{"id": U}]}));
}

#[tokio::test]
async fn group_and_workspace_routes() {
    let s = Stub::new().await;
    let c = &s.client;

    s.reply(fixture("UserGroup.json"));
    let g = c
        .group(&grp())
        .get()
        .include_collaborations()
        .send()
        .await
        .unwrap();
    assert_eq!(g.members.len(), 3);
    let seen = s.sent("GET", "/v0/meta/groups/ugp1mKGb3KXUyQfOZ");
    assert_eq!(seen.query, q(&[("include", "collaborations")]));

    s.reply(fixture("WorkspaceCollaborators.json"));
    let w = c
        .workspace(&wsp())
        .get()
        .include_collaborators()
        .include_invite_links()
        .send()
        .await
        .unwrap();
    assert_eq!(w.id, wsp());
    let seen = s.sent("GET", "/v0/meta/workspaces/wspmhESAta6clCCwF");
    assert_eq!(
        seen.query,
        q(&[("include", "collaborators"), ("include", "inviteLinks")])
    );

    let ws = c.workspace(&wsp());
    ws.add_collaborator(grp(), PermissionLevel::Edit)
        .await
        .unwrap();
    let seen = s.sent(
        "POST",
        "/v0/meta/workspaces/wspmhESAta6clCCwF/collaborators",
    );
    assert_eq!(
        seen.body,
        json!({"collaborators": [{"group": {"id": G}, "permissionLevel": "edit"}]})
    );

    ws.update_collaborator(usr(), PermissionLevel::Read)
        .await
        .unwrap();
    let seen = s.sent(
        "PATCH",
        "/v0/meta/workspaces/wspmhESAta6clCCwF/collaborators/usrL2PNC5o3H4lBEi",
    );
    assert_eq!(seen.body, json!({"permissionLevel": "read"}));

    ws.remove_collaborator(usr()).await.unwrap();
    s.sent(
        "DELETE",
        "/v0/meta/workspaces/wspmhESAta6clCCwF/collaborators/usrL2PNC5o3H4lBEi",
    );

    ws.delete_invite(&"invJiqaXmPqqWSP00".parse().unwrap())
        .await
        .unwrap();
    s.sent(
        "DELETE",
        "/v0/meta/workspaces/wspmhESAta6clCCwF/invites/invJiqaXmPqqWSP00",
    );

    ws.update_restrictions()
        .invite_creation(Restriction::OnlyOwners)
        .share_creation(Restriction::Unrestricted)
        .send()
        .await
        .unwrap();
    let seen = s.sent(
        "POST",
        "/v0/meta/workspaces/wspmhESAta6clCCwF/updateRestrictions",
    );
    assert_eq!(
        seen.body,
        json!({"inviteCreationRestriction": "onlyOwners", "shareCreationRestriction": "unrestricted"})
    );

    ws.move_base(&app(), &W2.parse().unwrap())
        .target_index(0)
        .send()
        .await
        .unwrap();
    let seen = s.sent("POST", "/v0/meta/workspaces/wspmhESAta6clCCwF/moveBase");
    assert_eq!(
        seen.body,
        json!({"baseId": A, "targetWorkspaceId": W2, "targetIndex": 0})
    );

    ws.delete().await.unwrap();
    s.sent("DELETE", "/v0/meta/workspaces/wspmhESAta6clCCwF");
}

#[tokio::test]
async fn base_routes() {
    let s = Stub::new().await;
    let c = &s.client;
    let b = c.base(&app());

    s.reply(fixture("BaseCollaborators.json"));
    let base = b
        .get()
        .include_collaborators()
        .include_invite_links()
        .include_interfaces()
        .include_packages()
        .send()
        .await
        .unwrap();
    assert_eq!(base.id, app());
    let seen = s.sent("GET", "/v0/meta/bases/appLkNDICXNqxSDhG");
    assert_eq!(
        seen.query,
        q(&[
            ("include", "collaborators"),
            ("include", "inviteLinks"),
            ("include", "interfaces"),
            ("include", "packages")
        ])
    );

    s.reply(fixture("BaseSchema.json"));
    assert_eq!(b.schema().await.unwrap().tables.len(), 2);
    s.sent_to("/v0/meta/bases/appLkNDICXNqxSDhG/tables");

    b.add_collaborator(usr(), PermissionLevel::Comment)
        .await
        .unwrap();
    let seen = s.sent("POST", "/v0/meta/bases/appLkNDICXNqxSDhG/collaborators");
    assert_eq!(
        seen.body,
        json!({"collaborators": [{"user": {"id": U}, "permissionLevel": "comment"}]})
    );

    b.update_collaborator(grp(), PermissionLevel::Create)
        .await
        .unwrap();
    let seen = s.sent(
        "PATCH",
        "/v0/meta/bases/appLkNDICXNqxSDhG/collaborators/ugp1mKGb3KXUyQfOZ",
    );
    assert_eq!(seen.body, json!({"permissionLevel": "create"}));

    b.remove_collaborator(grp()).await.unwrap();
    s.sent_to("/v0/meta/bases/appLkNDICXNqxSDhG/collaborators/ugp1mKGb3KXUyQfOZ");

    b.delete_invite(&"invJiqaXmPqq6Ec87".parse().unwrap())
        .await
        .unwrap();
    s.sent(
        "DELETE",
        "/v0/meta/bases/appLkNDICXNqxSDhG/invites/invJiqaXmPqq6Ec87",
    );

    let i = b.interface(&P.parse().unwrap());
    i.add_collaborator(usr(), PermissionLevel::Read)
        .await
        .unwrap();
    let seen = s.sent(
        "POST",
        "/v0/meta/bases/appLkNDICXNqxSDhG/interfaces/pbdyGA3PsOziEHPDE/collaborators",
    );
    assert_eq!(
        seen.body,
        json!({"collaborators": [{"user": {"id": U}, "permissionLevel": "read"}]})
    );
    i.update_collaborator(usr(), PermissionLevel::Edit)
        .await
        .unwrap();
    s.sent("PATCH", "/v0/meta/bases/appLkNDICXNqxSDhG/interfaces/pbdyGA3PsOziEHPDE/collaborators/usrL2PNC5o3H4lBEi");
    i.remove_collaborator(usr()).await.unwrap();
    assert_eq!(s.one().method, "DELETE");
    i.delete_invite(&"invJiqaXmPqq6ABCD".parse().unwrap())
        .await
        .unwrap();
    s.sent_to(
        "/v0/meta/bases/appLkNDICXNqxSDhG/interfaces/pbdyGA3PsOziEHPDE/invites/invJiqaXmPqq6ABCD",
    );
    s.reply(json!({
        "id": P, "baseId": "appLkNDICXNqxSDhG", "name": "Approvals",
        "createdTime": "2019-01-03T12:33:12.421Z", "permissionLevel": "owner",
        "inviteLinks": []
    }));
    let info = i
        .get()
        .include_collaborators()
        .include_invite_links()
        .send()
        .await
        .unwrap();
    assert_eq!(info.id, P);
    let seen = s.sent(
        "GET",
        "/v0/meta/bases/appLkNDICXNqxSDhG/interfaces/pbdyGA3PsOziEHPDE",
    );
    assert_eq!(
        seen.query,
        vec![
            ("include".to_owned(), "collaborators".to_owned()),
            ("include".to_owned(), "inviteLinks".to_owned())
        ]
    );

    s.reply(fixture("BaseShares.json"));
    let shares = b.shares().await.unwrap();
    assert_eq!(shares.len(), 3);
    s.sent_to("/v0/meta/bases/appLkNDICXNqxSDhG/shares");
    b.share(&shares[0].share_id).disable().await.unwrap();
    let seen = s.sent(
        "PATCH",
        "/v0/meta/bases/appLkNDICXNqxSDhG/shares/shr9SpczJvQpfAzSp",
    );
    assert_eq!(seen.body, json!({"state": "disabled"}));
    b.share(&shares[0].share_id).delete().await.unwrap();
    assert_eq!(s.one().method, "DELETE");

    s.reply(json!([{"blockId": "blkSmwFJEdER6oksM","blockSlug": "chart","createdByUserId": U,"createdTime": "2019-01-01T00:00:00.000Z","id": "bliXyN0Q6zfajnDOG","state": "enabled"}]));
    let blocks = b.block_installations().await.unwrap();
    s.sent_to("/v0/meta/bases/appLkNDICXNqxSDhG/blockInstallations");
    b.block_installation(&blocks[0].id).disable().await.unwrap();
    let seen = s.sent(
        "PATCH",
        "/v0/meta/bases/appLkNDICXNqxSDhG/blockInstallations/bliXyN0Q6zfajnDOG",
    );
    assert_eq!(seen.body, json!({"state": "disabled"}));
    s.reply(Value::Null);
    b.block_installation(&blocks[0].id).delete().await.unwrap();
    assert_eq!(s.one().method, "DELETE");

    b.delete().await.unwrap();
    s.sent("DELETE", "/v0/meta/bases/appLkNDICXNqxSDhG");

    s.reply(
        json!({"bases": [{"id": A, "name": "x", "permissionLevel": "create"}], "offset": "itr1"}),
    );
    s.reply(fixture("Bases.json"));
    let all: Vec<_> = c.list_bases().try_collect().await.unwrap();
    assert_eq!(all.len(), 3);
    let seen = s.take();
    assert_eq!(seen[0].path, "/v0/meta/bases");
    assert!(seen[0].query.is_empty());
    assert_eq!(seen[1].query, q(&[("offset", "itr1")]));

    s.reply(json!({"id": A, "tables": []}));
    c.create_base(
        &wsp(),
        "B",
        vec![json!({"name": "T", "fields": [{"name": "N", "type": "singleLineText"}]})],
    )
    .await
    .unwrap();
    let seen = s.sent("POST", "/v0/meta/bases");
    assert_eq!(seen.body["workspaceId"], json!(W));
}

#[tokio::test]
async fn scim_routes() {
    let s = Stub::new().await;
    let c = &s.client;
    let user = |id: &str| json!({"schemas": [SCIM_USER_SCHEMA], "id": id, "userName": "a@b.c", "active": true});
    s.reply(json!({"schemas": [SCIM_LIST_SCHEMA], "totalResults": 3, "startIndex": 1, "itemsPerPage": 2, "Resources": [user(U), user(U2)]}));
    s.reply(json!({"schemas": [SCIM_LIST_SCHEMA], "totalResults": 3, "startIndex": 3, "itemsPerPage": 1, "Resources": [user("usrGcrteE5fUMqq0R")]}));
    let users: Vec<ScimUser> = c
        .scim()
        .users()
        .filter("active eq true")
        .count(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 3);
    let seen = s.take();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].path, "/scim/v2/Users");
    assert_eq!(
        seen[0].query,
        q(&[
            ("filter", "active eq true"),
            ("startIndex", "1"),
            ("count", "2")
        ])
    );
    assert_eq!(
        seen[1].query,
        q(&[
            ("filter", "active eq true"),
            ("startIndex", "3"),
            ("count", "2")
        ])
    );

    s.reply(user(U));
    c.scim()
        .create_user(&ScimUserRequest::new("a@b.c", "A", "B"))
        .await
        .unwrap();
    let seen = s.sent("POST", "/scim/v2/Users");
    assert_eq!(
        seen.body,
        json!({"schemas": [SCIM_USER_SCHEMA], "userName": "a@b.c", "name": {"givenName": "A", "familyName": "B"}})
    );

    s.reply(user(U));
    c.scim().user(&usr()).get().await.unwrap();
    s.sent_to("/scim/v2/Users/usrL2PNC5o3H4lBEi");
    s.reply(user(U));
    c.scim()
        .user(&usr())
        .replace(&ScimUserRequest::new("a@b.c", "A", "B"))
        .await
        .unwrap();
    assert_eq!(s.one().method, "PUT");
    s.reply(user(U));
    c.scim()
        .user(&usr())
        .patch(vec![ScimPatchOp::replace("active", json!(false))])
        .await
        .unwrap();
    let seen = s.one();
    assert_eq!(seen.method, "PATCH");
    assert_eq!(
        seen.body["Operations"][0],
        json!({"op": "replace", "path": "active", "value": false})
    );
    c.scim().user(&usr()).delete().await.unwrap();
    assert_eq!(s.one().method, "DELETE");

    let group = json!({"schemas": [SCIM_GROUP_SCHEMA], "id": G, "displayName": "G"});
    s.reply(json!({"schemas": [SCIM_LIST_SCHEMA], "totalResults": 1, "startIndex": 1, "itemsPerPage": 1, "Resources": [group.clone()]}));
    let groups: Vec<ScimGroup> = c.scim().groups().stream().try_collect().await.unwrap();
    assert_eq!(groups.len(), 1);
    s.sent_to("/scim/v2/Groups");
    s.reply(group.clone());
    let mut req = ScimGroupRequest::new("G");
    req.members = Some(vec![ScimMember::new(usr())]);
    c.scim().create_group(&req).await.unwrap();
    let seen = s.one();
    assert_eq!(
        seen.body,
        json!({"schemas": [SCIM_GROUP_SCHEMA], "displayName": "G", "members": [{"value": U}]})
    );
    s.reply(group.clone());
    c.scim().group(&grp()).get().await.unwrap();
    s.sent_to("/scim/v2/Groups/ugp1mKGb3KXUyQfOZ");
    s.reply(group.clone());
    c.scim()
        .group(&grp())
        .replace(&ScimGroupRequest::new("H"))
        .await
        .unwrap();
    assert_eq!(s.one().method, "PUT");
    s.reply(group.clone());
    c.scim()
        .group(&grp())
        .patch(vec![ScimPatchOp::add("members", json!([{"value": U}]))])
        .await
        .unwrap();
    assert_eq!(s.one().method, "PATCH");
    c.scim().group(&grp()).delete().await.unwrap();
    assert_eq!(s.one().method, "DELETE");
}

#[tokio::test]
async fn whoami_route() {
    let s = Stub::new().await;
    s.reply(json!({"id": U, "email": "a@b.c"}));
    let me = s.client.whoami().await.unwrap();
    assert_eq!(me.email.as_deref(), Some("a@b.c"));
    s.sent("GET", "/v0/meta/whoami");
}

#[tokio::test]
async fn all_users_reads_ids_first() {
    let s = Stub::new().await;
    s.reply(fixture("EnterpriseInfo.json"));
    s.reply(json!({"users": [fixture("UserInfo.json")]}));
    let users = s
        .client
        .enterprise(&ent())
        .users()
        .all()
        .include_collaborations()
        .send()
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    let seen = s.take();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].path,
        "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU"
    );
    assert_eq!(
        seen[1].path,
        "/v0/meta/enterpriseAccounts/entUBq2RGdihxl3vU/users"
    );
    assert_eq!(
        seen[1].query,
        q(&[
            ("id", "usrL2PNC5o3H4lBEi"),
            ("id", "usrsOEchC9xuwRgKk"),
            ("id", "usrGcrteE5fUMqq0R"),
            ("include", "collaborations")
        ])
    );
}
