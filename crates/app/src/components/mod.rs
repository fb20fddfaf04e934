pub mod header;
pub mod theme_toggle;
