//! Against the simulator over real HTTP. Enabled with `--features sim-integration` once
//! crates/sim exposes `airtable_sim::spawn`; see STATUS.md for which routes the sim serves.
#![cfg(feature = "sim-integration")]

use airtable_client::ids::{EnterpriseId, UserId};
use airtable_client::{AccessToken, Client, Timestamp};
use futures::TryStreamExt;

struct Sim {
    _running: airtable_sim::RunningSim,
    client: Client,
    ent: EnterpriseId,
}

fn start() -> impl std::future::Future<Output = Sim> {
    async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let running = airtable_sim::spawn(listener, airtable_sim::SimConfig::default())
            .await
            .expect("the simulator starts");
        let info = running.info();
        let client = Client::builder()
            .base_url(running.base_url().to_string())
            .token(AccessToken::new(info.token.to_string()))
            .build()
            .unwrap();
        let ent: EnterpriseId = info.enterprise_account_id.to_string().parse().unwrap();
        Sim {
            _running: running,
            client,
            ent,
        }
    }
}

#[tokio::test]
async fn whoami_and_enterprise() {
    let sim = start().await;
    let me = sim.client.whoami().await.unwrap();
    let info = sim
        .client
        .enterprise(&sim.ent)
        .get()
        .include_aggregated()
        .include_descendants()
        .send()
        .await
        .unwrap();
    assert_eq!(info.id, sim.ent);
    assert!(info.user_ids.contains(&me.id));
}

#[tokio::test]
async fn every_user_group_and_workspace_parses() {
    let sim = start().await;
    let info = sim.client.enterprise(&sim.ent).get().send().await.unwrap();
    let users = sim
        .client
        .enterprise(&sim.ent)
        .users()
        .by_ids(&info.user_ids)
        .include_collaborations()
        .send()
        .await
        .unwrap();
    assert_eq!(users.len(), info.user_ids.len());
    let first: &UserId = &info.user_ids[0];
    let one = sim
        .client
        .enterprise(&sim.ent)
        .user(first)
        .get()
        .include_collaborations()
        .send()
        .await
        .unwrap();
    assert_eq!(&one.id, first);
    for g in &info.group_ids {
        let group = sim
            .client
            .group(g)
            .get()
            .include_collaborations()
            .send()
            .await
            .unwrap();
        assert_eq!(&group.id, g);
    }
    for w in &info.workspace_ids {
        let ws = sim
            .client
            .workspace(w)
            .get()
            .include_collaborators()
            .include_invite_links()
            .send()
            .await
            .unwrap();
        assert_eq!(&ws.id, w);
    }
}

#[tokio::test]
async fn errors_from_the_sim() {
    let sim = start().await;
    let bad = sim.client.with_token(AccessToken::new("not-a-real-token"));
    let err = bad.whoami().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    let nobody: UserId = "usr00000000000000".parse().unwrap();
    let err = sim
        .client
        .enterprise(&sim.ent)
        .user(&nobody)
        .get()
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn audit_log_walks_both_ways() {
    let sim = start().await;
    let end = Timestamp::now();
    let asc: Vec<_> = sim
        .client
        .enterprise(&sim.ent)
        .audit_log()
        .ascending()
        .end_time(end)
        .page_size(50)
        .events()
        .try_collect()
        .await
        .unwrap();
    let desc: Vec<_> = sim
        .client
        .enterprise(&sim.ent)
        .audit_log()
        .descending()
        .end_time(end)
        .page_size(50)
        .events()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(asc.len(), desc.len());
    let mut rev = desc.clone();
    rev.reverse();
    assert_eq!(
        asc.iter().map(|e| &e.id).collect::<Vec<_>>(),
        rev.iter().map(|e| &e.id).collect::<Vec<_>>()
    );
}
