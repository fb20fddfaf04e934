//! Two-person approval: the list of requests, one request with its preview and the
//! decision forms, the policy (which actions need approval) and the notices (outbox).
//! The server checks everything again; these pages only show what a person may do.
//!
//! By job: the server functions (`server`), the list (`list`), one request with its
//! decision forms (`detail`), the form other pages use to ask for a risky action
//! (`request_form`) and its answer without the wasm bundle (`request_result`), the policy
//! (`policy`) and the notices (`outbox`).

mod detail;
mod list;
mod outbox;
mod policy;
mod request_form;
mod request_result;
mod server;

pub use detail::ApprovalPage;
pub use list::ApprovalsPage;
pub use outbox::NoticesPage;
pub use policy::ApprovalPolicyPage;
pub use request_form::{RequestAction, RequestActionForm, RequestBaseMove};
pub use request_result::RequestResult;
pub use server::list_approvals;
