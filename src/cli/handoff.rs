//! Handing a computing command to `paddlers-runtime`, which sits beside `paddlers`.

use std::path::PathBuf;
use std::process::ExitCode;

/// Where the runtime binary is: `PADDLERS_RUNTIME` is not consulted (the front end reads no
/// environment for behaviour); it is always the sibling of the running executable.
pub fn runtime_path() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.with_file_name("paddlers-runtime");
    path.is_file().then_some(path)
}

/// Replaces this process with `paddlers-runtime ARGS`, so signals (Ctrl-C) and the exit code
/// belong to the runtime directly.
pub fn exec_runtime(args: &[String]) -> ExitCode {
    let Some(path) = runtime_path() else {
        let here = std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.display().to_string()))
            .unwrap_or_else(|| "the directory of paddlers".into());
        eprintln!(
            "error: this command runs on libtorch, but paddlers-runtime was not found in {here}.\n\
             Build it with `scripts/setup.sh && cargo build --release` (it needs the libtorch that \
             scripts/setup.sh installs)."
        );
        return ExitCode::from(1);
    };
    use std::os::unix::process::CommandExt;
    let err = std::process::Command::new(&path).args(args).exec();
    eprintln!("error: could not start {}: {err}", path.display());
    ExitCode::from(1)
}
