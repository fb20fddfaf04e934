pub mod overview;
pub mod signin;
