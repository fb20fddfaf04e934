pub mod collaborators;
pub mod format;
pub mod header;
pub mod live_read;
pub mod session;
pub mod theme_toggle;
