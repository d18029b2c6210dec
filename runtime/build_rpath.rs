// tch puts no rpath into dependent binaries; embed libtorch's directory as a RUNPATH so the
// binary runs with no LD_LIBRARY_PATH, while LD_LIBRARY_PATH still wins on another machine
// (the GPU host runs this binary against its own torch install). Included by the build
// scripts of paddlers-runtime and paddlers-runtime-cli.
//
// The CUDA libraries of torch's wheel (installed by scripts/setup.sh on a GPU machine) live
// beside torch in site-packages/nvidia/<name>/lib. libtorch_cuda.so finds them through its own
// RPATH, but a RUNPATH does not reach the dependencies of what it loads, and the CUDA runtime
// itself dlopens some of them (cuBLASLt, nvrtc) by name; listing them here makes those loads
// work too. Directories that do not exist (a CPU-only machine) are skipped by the loader.
const NVIDIA_LIBS: &[&str] = &["cu13", "cudnn", "nccl", "cusparselt", "nvshmem"];

fn embed_rpath() -> Option<String> {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let lib = std::env::var("DEP_TCH_LIBTORCH_LIB").ok();
    if let Some(lib) = &lib {
        let mut path = vec![lib.clone()];
        for name in NVIDIA_LIBS {
            path.push(format!("{lib}/../../nvidia/{name}/lib"));
        }
        println!(
            "cargo:rustc-link-arg=-Wl,--enable-new-dtags,-rpath,{}",
            path.join(":")
        );
    }
    lib
}
