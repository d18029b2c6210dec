//! `paddlers version`: what this binary runs on.

use crate::cuda;

/// The libtorch version, read from the `torch/version.py` that sits above the loaded
/// `torch/lib/libtorch_cpu.so` (a PyPI wheel); libtorch itself exports no version symbol.
pub fn libtorch_version() -> Option<String> {
    let lib = cuda::libtorch_dir()?;
    let text = std::fs::read_to_string(std::path::Path::new(&lib).join("../version.py")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("__version__ = "))
        .map(|v| v.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
}

/// The report, one `key: value` per line, so scripts can grep it.
pub fn report() -> String {
    let probe = cuda::load_cuda_backend();
    let gpus = cuda::device_count();
    let cuda_line = match (&probe.loaded, gpus) {
        (Ok(_), n) if n > 0 => "yes".to_string(),
        (Ok(path), _) => format!("no (loaded {path}, but no CUDA device is visible)"),
        (Err(e), _) => format!("no (libtorch_cuda.so not loadable: {e})"),
    };
    let cudnn = gpus > 0 && tch::Cuda::cudnn_is_available();
    format!(
        "paddlers: {}\nlibtorch: {} ({})\ncuda: {}\ncudnn: {}\ngpu_count: {}\n",
        env!("CARGO_PKG_VERSION"),
        libtorch_version().unwrap_or_else(|| "unknown".into()),
        cuda::libtorch_dir().unwrap_or_else(|| "?".into()),
        cuda_line,
        if cudnn { "yes" } else { "no" },
        gpus,
    )
}
