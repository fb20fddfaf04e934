// `sqlx::migrate!` embeds the migrations directory at compile time, and cargo does not
// notice a new file in it by itself: rebuild whenever the directory changes, so a test or
// a binary never runs without the newest migration.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
