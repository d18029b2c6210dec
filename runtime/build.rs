include!("build_rpath.rs");

fn main() {
    let lib = embed_rpath();
    println!("cargo::rustc-check-cfg=cfg(paddlers_c10d)");
    println!("cargo:rerun-if-env-changed=PADDLERS_DISTRIBUTED");
    // The feature, or scripts/setup.sh (which sets PADDLERS_DISTRIBUTED=1 in
    // .cargo/config.toml when the gloo headers are installed), asks for the c10d shim.
    let wanted = std::env::var_os("CARGO_FEATURE_DISTRIBUTED").is_some()
        || std::env::var("PADDLERS_DISTRIBUTED").as_deref() == Ok("1");
    if wanted {
        c10d_shim(lib.as_deref());
        println!("cargo:rustc-cfg=paddlers_c10d");
    }
}

/// The c10d shim: compiled against the wheel's headers, with the defines libtorch was built
/// with (without `USE_C10D_GLOO`, ProcessGroupGloo.hpp is silently empty); the gloo headers,
/// which the wheel lacks, come from the system (Debian's libgloo-dev).
fn c10d_shim(lib: Option<&str>) {
    let src = "csrc/c10d_shim.cpp";
    println!("cargo:rerun-if-changed={src}");
    let gloo = std::path::Path::new("/usr/include/gloo");
    if !gloo.is_dir() {
        panic!(
            "distributed support needs the gloo headers in {}: apt-get install libgloo-dev \
             (or build without the `distributed` feature and PADDLERS_DISTRIBUTED)",
            gloo.display()
        );
    }
    let lib = lib.expect("torch-sys says where libtorch is (DEP_TCH_LIBTORCH_LIB)");
    let include = std::path::Path::new(lib)
        .parent()
        .expect("libtorch's lib directory has a parent")
        .join("include");
    cc::Build::new()
        .cpp(true)
        .file(src)
        .std("c++17")
        .define("_GLIBCXX_USE_CXX11_ABI", "1")
        .define("GLOG_USE_GLOG_EXPORT", None)
        .define("USE_C10D_GLOO", None)
        .include(&include)
        .include(include.join("torch/csrc/api/include"))
        // libtorch's headers warn by the hundred under -Wall; they are not ours to fix.
        .warnings(false)
        .opt_level(2)
        .compile("paddlers_c10d");
}
