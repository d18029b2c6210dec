// tch puts no rpath into dependent binaries; embed libtorch's directory as a RUNPATH so the
// binary runs with no LD_LIBRARY_PATH, while LD_LIBRARY_PATH still wins on another machine
// (the GPU host runs this binary against its own torch install). Included by the build
// scripts of paddlers-runtime and paddlers-runtime-cli.
fn embed_rpath() -> Option<String> {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let lib = std::env::var("DEP_TCH_LIBTORCH_LIB").ok();
    if let Some(lib) = &lib {
        println!("cargo:rustc-link-arg=-Wl,--enable-new-dtags,-rpath,{lib}");
    }
    lib
}
