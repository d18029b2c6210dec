include!("../runtime/build_rpath.rs");

fn main() {
    embed_rpath();
}
