//! The access reviews pages' server functions: reads for viewers; creating, reassigning and
//! closing for admins; deciding for the item's reviewer (operator or above, checked again in
//! the domain). Each is one call into `console_core::reviews`.

use leptos::{prelude::*, server_fn::codec::GetUrl};

use crate::api::ConsoleError;
use crate::reviews::{BulkOutcome, CampaignDetail, EvidenceInfo, OverdueReviews, ReviewsOverview};
// The bodies run on the server only: what they alone use is named in full there.

#[server(endpoint = "reviews/overview", input = GetUrl)]
pub async fn read_reviews() -> Result<ReviewsOverview, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, who| {
        console_core::reviews::overview(&console, &who).await
    })
    .await
}

#[server(endpoint = "reviews/get", input = GetUrl)]
pub async fn read_campaign(id: i64) -> Result<CampaignDetail, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, who| {
        console_core::reviews::detail(&console, &who, id).await
    })
    .await
}

#[server(endpoint = "reviews/overdue", input = GetUrl)]
pub async fn read_overdue_reviews() -> Result<OverdueReviews, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, _| {
        console_core::reviews::overdue(&console).await
    })
    .await
}

#[allow(clippy::too_many_arguments)]
#[server(endpoint = "reviews/create")]
pub async fn create_campaign(
    csrf_token: String,
    name: String,
    due_date: String,
    reviewer_admins: String,
    reviewer_external: String,
    reviewer_tokens: String,
    reviewer_shares: String,
    reviewer_inactive: String,
    inactive_days: String,
) -> Result<i64, ConsoleError> {
    crate::serve::changing(
        crate::api::Role::Admin,
        &csrf_token,
        async move |console, who| {
            let new = crate::reviews::NewCampaign {
                name,
                due_date,
                reviewers: vec![
                    ("admins".into(), reviewer_admins),
                    ("external".into(), reviewer_external),
                    ("tokens".into(), reviewer_tokens),
                    ("shares".into(), reviewer_shares),
                    ("inactive".into(), reviewer_inactive),
                ],
                inactive_days,
            };
            console_core::reviews::create(&console, &who, &new).await
        },
    )
    .await
}

#[server(endpoint = "reviews/decide")]
pub async fn decide_review_item(
    csrf_token: String,
    item: i64,
    decision: Option<String>,
    comment: String,
) -> Result<String, ConsoleError> {
    crate::serve::changing(
        crate::api::Role::Operator,
        &csrf_token,
        async move |console, who| {
            let decision = decision.unwrap_or_default();
            console_core::reviews::decide(&console, &who, item, &decision, &comment).await
        },
    )
    .await
}

#[server(endpoint = "reviews/decide_many")]
pub async fn decide_review_items(
    csrf_token: String,
    items: String,
    decision: Option<String>,
    comment: String,
) -> Result<BulkOutcome, ConsoleError> {
    crate::serve::changing(
        crate::api::Role::Operator,
        &csrf_token,
        async move |console, who| {
            let decision = decision.unwrap_or_default();
            console_core::reviews::decide_many(&console, &who, &items, &decision, &comment).await
        },
    )
    .await
}

#[server(endpoint = "reviews/reassign")]
pub async fn reassign_review_item(
    csrf_token: String,
    item: i64,
    reviewer: String,
) -> Result<(), ConsoleError> {
    // The campaign's owner may reassign too: the domain checks admin-or-owner.
    crate::serve::changing(
        crate::api::Role::Operator,
        &csrf_token,
        async move |console, who| {
            console_core::reviews::reassign(&console, &who, item, &reviewer).await
        },
    )
    .await
}

#[server(endpoint = "reviews/close")]
pub async fn close_campaign(
    csrf_token: String,
    id: i64,
    with_undecided: Option<String>,
) -> Result<EvidenceInfo, ConsoleError> {
    crate::serve::changing(
        crate::api::Role::Admin,
        &csrf_token,
        async move |console, who| {
            console_core::reviews::close_campaign(&console, &who, id, with_undecided.is_some())
                .await
        },
    )
    .await
}
