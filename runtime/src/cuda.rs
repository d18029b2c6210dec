//! CUDA discovery. rustc links with `--as-needed`, so `libtorch_cuda.so` is never a NEEDED
//! entry and its CUDA backend never registers on its own. Loading it by hand, before the first
//! `tch::Cuda` call, makes one binary serve CPU-only and GPU machines alike.

use std::ffi::{CStr, CString};
use std::sync::OnceLock;

/// What loading the CUDA backend found, kept for `version` and for `--use_gpu` errors.
#[derive(Debug, Clone)]
pub struct CudaProbe {
    /// `Ok(path)` when libtorch_cuda was loaded, else the loader's reason.
    pub loaded: Result<String, String>,
}

static PROBE: OnceLock<CudaProbe> = OnceLock::new();

/// Loads `libtorch_cuda.so` once, from the directory of the libtorch we run on, then by name.
pub fn load_cuda_backend() -> &'static CudaProbe {
    PROBE.get_or_init(|| {
        let mut tried = Vec::new();
        let mut candidates = Vec::new();
        if let Some(dir) = libtorch_dir() {
            candidates.push(format!("{dir}/libtorch_cuda.so"));
        }
        candidates.push("libtorch_cuda.so".to_string());
        for cand in candidates {
            let c = CString::new(cand.clone()).expect("path has no NUL");
            // SAFETY: dlopen with a valid C string; the handle is deliberately never closed.
            let handle = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
            if !handle.is_null() {
                return CudaProbe { loaded: Ok(cand) };
            }
            // SAFETY: dlerror returns a thread-local C string or null.
            let err = unsafe { libc::dlerror() };
            let msg = if err.is_null() {
                "unknown error".to_string()
            } else {
                unsafe { CStr::from_ptr(err) }
                    .to_string_lossy()
                    .into_owned()
            };
            tried.push(format!("{cand}: {msg}"));
        }
        CudaProbe {
            loaded: Err(tried.join("; ")),
        }
    })
}

/// The directory holding the libtorch_cpu.so this process actually loaded.
pub fn libtorch_dir() -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| p.ends_with("/libtorch_cpu.so"))
        .and_then(|p| p.rsplit_once('/').map(|(d, _)| d.to_string()))
}

/// Number of usable CUDA devices (0 when the backend did not load or there is no driver).
pub fn device_count() -> i64 {
    load_cuda_backend();
    if tch::Cuda::is_available() {
        tch::Cuda::device_count()
    } else {
        0
    }
}

/// The error a user sees for `--use_gpu=true` on a machine where CUDA is not usable.
pub fn require_gpu() -> anyhow::Result<i64> {
    let probe = load_cuda_backend();
    let n = device_count();
    if n > 0 {
        return Ok(n);
    }
    let why = match &probe.loaded {
        Ok(path) => format!(
            "{path} loaded, but libtorch reports no CUDA device (no NVIDIA driver or no GPU visible)"
        ),
        Err(e) => format!("libtorch_cuda.so could not be loaded ({e})"),
    };
    anyhow::bail!(
        "--use_gpu=true, but no usable GPU was found: {why}. Looked for libtorch_cuda.so beside \
         {} and on the library path. Run with --use_gpu=false to train on the CPU.",
        libtorch_dir().unwrap_or_else(|| "the loaded libtorch".into())
    )
}
