// tch puts no rpath into dependent binaries; embed libtorch's directory as a RUNPATH so the
// binary runs with no LD_LIBRARY_PATH, while LD_LIBRARY_PATH still wins on another machine
// (the GPU host runs this binary against its own torch install).
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,--enable-new-dtags,-rpath,{lib}");
    }
}
