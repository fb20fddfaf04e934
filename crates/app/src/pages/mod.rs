pub mod overview;
pub mod roles;
pub mod signin;
