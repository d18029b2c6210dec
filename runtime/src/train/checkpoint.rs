//! Checkpoints in Paddle's own layout, so models move between Paddle v1 and paddlers:
//! `save_dir/pass-%05d/<parameter name>`, each file a 16-byte header (int32 format = 0,
//! uint32 value size = 4, uint64 count) and then the values as little-endian float32; a `done`
//! file; the config file and `path.txt` naming it (`ParamUtil::saveParameters`).
//!
//! paddlers adds `optimizer_state/` (momentum and the like in the same format, and the sample
//! and batch counters in `state.json`), so `--start_pass` continues exactly. Paddle ignores it.
//!
//! A pass directory is written under a temporary name (`.pass-%05d.tmp-PID`), fsynced and
//! renamed into place; `--save_only_one` renames the old pass out of the way before deleting
//! it. So a kill at any moment leaves every directory named `pass-%05d` whole, and the
//! temporaries it leaves are swept by the next run ([`sweep`]).

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use paddlers_providers::durable;
use serde::{Deserialize, Serialize};

use super::error::TrainError;
use super::optimizer::Counters;

const HEADER_LEN: usize = 16;
/// `PARAM_FORMAT_ORIGINAL`.
const FORMAT_ORIGINAL: i32 = 0;
pub const OPTIMIZER_STATE_DIR: &str = "optimizer_state";
const STATE_FILE: &str = "state.json";

/// `pass-%05d`.
pub fn pass_dir_name(pass: i64) -> String {
    format!("pass-{pass:05}")
}

/// Writes one parameter file.
pub fn write_param_file(path: &Path, values: &[f32]) -> Result<(), TrainError> {
    let mut bytes = Vec::with_capacity(HEADER_LEN + 4 * values.len());
    bytes.extend_from_slice(&FORMAT_ORIGINAL.to_le_bytes());
    bytes.extend_from_slice(&4u32.to_le_bytes());
    bytes.extend_from_slice(&(values.len() as u64).to_le_bytes());
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let mut f = fs::File::create(path).map_err(|e| TrainError::io(path, e))?;
    f.write_all(&bytes).map_err(|e| TrainError::io(path, e))?;
    f.sync_all().map_err(|e| TrainError::io(path, e))
}

/// Reads one parameter file, checking its header and, when given, its value count.
pub fn read_param_file(path: &Path, expected: Option<usize>) -> Result<Vec<f32>, TrainError> {
    let mut f = fs::File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            TrainError::checkpoint(path, "missing parameter file while loading the model")
        } else {
            TrainError::io(path, e)
        }
    })?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)
        .map_err(|e| TrainError::io(path, e))?;
    if bytes.len() < HEADER_LEN {
        return Err(TrainError::checkpoint(
            path,
            format!(
                "{} bytes is too short for a parameter file (16-byte header expected)",
                bytes.len()
            ),
        ));
    }
    let format = i32::from_le_bytes(bytes[0..4].try_into().expect("4 bytes"));
    let value_size = u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes"));
    let count = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes"));
    if format != FORMAT_ORIGINAL {
        return Err(TrainError::checkpoint(
            path,
            format!("parameter format {format} is not supported (only 0, Paddle's original)"),
        ));
    }
    if value_size != 4 {
        return Err(TrainError::checkpoint(
            path,
            format!("values are {value_size} bytes wide; paddlers reads float32 (4) parameters"),
        ));
    }
    if let Some(want) = expected {
        if count != want as u64 {
            return Err(TrainError::checkpoint(
                path,
                format!(
                    "holds {count} values, but the model's parameter has size {want} \
                     (was it saved from a different config?)"
                ),
            ));
        }
    }
    let body = &bytes[HEADER_LEN..];
    if body.len() as u64 != count * 4 {
        return Err(TrainError::checkpoint(
            path,
            format!(
                "the header says {count} values but the file has {} bytes of data (truncated?)",
                body.len()
            ),
        ));
    }
    Ok(body
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect())
}

/// `state.json`: the optimizer's counters, and which learning method wrote the buffers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedState {
    pub learning_method: String,
    pub counters: Counters,
}

/// Named flat values: (parameter or `<parameter>.<buffer>`, values).
pub type NamedValues = Vec<(String, Vec<f32>)>;

/// Everything one pass directory holds.
pub struct PassContents {
    /// (name, values) of every parameter, static ones included.
    pub params: NamedValues,
    /// The optimizer's counters and its buffers as (`<parameter>.<buffer>`, values).
    pub optimizer: Option<(SavedState, NamedValues)>,
    /// The config file, copied in as Paddle does, with `path.txt` naming it.
    pub config_file: Option<PathBuf>,
}

/// Writes `save_dir/pass-%05d` atomically; returns its path.
pub fn save_pass(
    save_dir: &Path,
    pass: i64,
    contents: &PassContents,
) -> Result<PathBuf, TrainError> {
    fs::create_dir_all(save_dir).map_err(|e| TrainError::io(save_dir, e))?;
    let final_dir = save_dir.join(pass_dir_name(pass));
    let tmp = durable::sibling(&final_dir, durable::TMP);
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
    }
    fs::create_dir(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
    let written = write_contents(&tmp, contents);
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if let Err(e) = durable::swap_dir_in(&tmp, &final_dir) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(TrainError::io(&final_dir, e));
    }
    Ok(final_dir)
}

fn write_contents(dir: &Path, contents: &PassContents) -> Result<(), TrainError> {
    for (name, values) in &contents.params {
        check_file_name(name)?;
        write_param_file(&dir.join(name), values)?;
    }
    if let Some((state, buffers)) = &contents.optimizer {
        let sub = dir.join(OPTIMIZER_STATE_DIR);
        fs::create_dir(&sub).map_err(|e| TrainError::io(&sub, e))?;
        for (name, values) in buffers {
            check_file_name(name)?;
            write_param_file(&sub.join(name), values)?;
        }
        let json = serde_json::to_string_pretty(state).expect("the state serializes");
        write_text(&sub.join(STATE_FILE), &json)?;
    }
    if let Some(config) = &contents.config_file {
        if let Some(file_name) = config.file_name() {
            let dest = dir.join(file_name);
            let text = fs::read(config).map_err(|e| TrainError::io(config, e))?;
            durable::write_synced(&dest, &text).map_err(|e| TrainError::io(&dest, e))?;
            write_text(&dir.join("path.txt"), &file_name.to_string_lossy())?;
        }
    }
    // Paddle's loader looks for `done` before trusting a pass directory.
    write_text(
        &dir.join("done"),
        &format!("paddlers {}\n", env!("CARGO_PKG_VERSION")),
    )
}

fn check_file_name(name: &str) -> Result<(), TrainError> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(TrainError::Config(format!(
            "parameter name '{name}' cannot be a file name in a pass directory"
        )));
    }
    Ok(())
}

fn write_text(path: &Path, text: &str) -> Result<(), TrainError> {
    durable::write_synced(path, text.as_bytes()).map_err(|e| TrainError::io(path, e))
}

/// `--save_only_one`: removes `save_dir/pass-%05d` (Paddle logs "delete dir"), renaming it
/// out of the way first so it never appears half deleted with its `done` file.
pub fn delete_pass(save_dir: &Path, pass: i64) -> Result<(), TrainError> {
    let dir = save_dir.join(pass_dir_name(pass));
    if dir.exists() {
        tracing::info!("delete dir {}", dir.display());
        durable::remove_dir(&dir).map_err(|e| TrainError::io(&dir, e))?;
    }
    Ok(())
}

/// Whether `base` (of a `.BASE.KIND-PID` temporary) is something the trainer writes in
/// save_dir: a pass directory, metrics.csv or curves.png, or the writability probe.
pub fn is_trainer_file(base: &str) -> bool {
    let pass = base
        .strip_prefix("pass-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    pass || [
        super::metrics::CSV,
        super::metrics::PNG,
        super::preflight::PROBE,
    ]
    .contains(&base)
}

/// Removes what killed runs left in save_dir (temporary pass directories, pass directories
/// caught mid-deletion, half-written metrics), logging what went.
pub fn sweep(save_dir: &Path) -> Result<Vec<durable::Swept>, TrainError> {
    let swept =
        durable::sweep(save_dir, is_trainer_file).map_err(|e| TrainError::io(save_dir, e))?;
    if !swept.is_empty() {
        tracing::info!(
            "removed what an interrupted run left in {}: {}",
            save_dir.display(),
            durable::describe(&swept)
        );
    }
    Ok(swept)
}

/// The complete pass directories in save_dir, by pass number.
pub fn complete_passes(save_dir: &Path) -> Vec<i64> {
    let mut passes: Vec<i64> = fs::read_dir(save_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let n = name.strip_prefix("pass-")?.parse().ok()?;
            is_complete(&e.path()).then_some(n)
        })
        .collect();
    passes.sort_unstable();
    passes
}

/// Reads the parameters `wanted` (name, size) from a pass directory. A missing directory,
/// file, or a file of the wrong size is an error naming the file.
pub fn load_params(
    dir: &Path,
    wanted: &[(String, usize)],
) -> Result<Vec<(String, Vec<f32>)>, TrainError> {
    if !dir.is_dir() {
        return Err(TrainError::checkpoint(
            dir,
            "no such model directory (expected a save_dir/pass-%05d directory of parameter files)",
        ));
    }
    wanted
        .iter()
        .map(|(name, size)| Ok((name.clone(), read_param_file(&dir.join(name), Some(*size))?)))
        .collect()
}

/// Whether the pass directory was completely written (Paddle's `done` check).
pub fn is_complete(dir: &Path) -> bool {
    dir.join("done").is_file()
}

/// The optimizer state in a pass directory, if it has one.
pub fn load_state(dir: &Path) -> Result<Option<SavedState>, TrainError> {
    let path = dir.join(OPTIMIZER_STATE_DIR).join(STATE_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let text = fs::read_to_string(&path).map_err(|e| TrainError::io(&path, e))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| TrainError::checkpoint(&path, format!("unreadable optimizer state: {e}")))
}

/// One saved optimizer buffer (`<parameter>.<buffer>`), or None if it was not saved.
pub fn load_state_buffer(
    dir: &Path,
    key: &str,
    size: usize,
) -> Result<Option<Vec<f32>>, TrainError> {
    let path = dir.join(OPTIMIZER_STATE_DIR).join(key);
    if !path.exists() {
        return Ok(None);
    }
    read_param_file(&path, Some(size)).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents(values: Vec<f32>) -> PassContents {
        PassContents {
            params: vec![("___fc_layer_0__.w0".into(), values), ("_b".into(), vec![])],
            optimizer: None,
            config_file: None,
        }
    }

    #[test]
    fn paddle_binary_layout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        write_param_file(&path, &[1.0, -2.5]).unwrap();
        let bytes = fs::read(&path).unwrap();
        let mut want = vec![0, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0];
        want.extend_from_slice(&1.0f32.to_le_bytes());
        want.extend_from_slice(&(-2.5f32).to_le_bytes());
        assert_eq!(bytes, want);
        assert_eq!(read_param_file(&path, Some(2)).unwrap(), vec![1.0, -2.5]);
    }

    #[test]
    fn bad_files_name_the_file_and_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w");
        write_param_file(&path, &[1.0, 2.0, 3.0]).unwrap();
        let e = read_param_file(&path, Some(4)).unwrap_err().to_string();
        assert!(
            e.contains("/w: holds 3 values, but the model's parameter has size 4"),
            "{e}"
        );
        let e = read_param_file(&dir.path().join("nope"), Some(1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("nope: missing parameter file"), "{e}");
        let mut bytes = fs::read(&path).unwrap();
        bytes.truncate(20);
        fs::write(&path, &bytes).unwrap();
        let e = read_param_file(&path, None).unwrap_err().to_string();
        assert!(e.contains("truncated"), "{e}");
        bytes[4] = 8;
        fs::write(&path, &bytes).unwrap();
        let e = read_param_file(&path, None).unwrap_err().to_string();
        assert!(e.contains("8 bytes wide"), "{e}");
    }

    #[test]
    fn save_writes_done_config_and_state() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("net.cfg");
        fs::write(&cfg, "settings(batch_size=1)\n").unwrap();
        let mut c = contents(vec![0.5; 3]);
        c.config_file = Some(cfg);
        c.optimizer = Some((
            SavedState {
                learning_method: "momentum".into(),
                counters: Counters {
                    num_samples_processed: 10,
                    pass: 1,
                    batches: 5,
                    average: None,
                },
            },
            vec![("_b.momentum".into(), vec![])],
        ));
        let out = save_pass(&dir.path().join("out"), 3, &c).unwrap();
        assert!(out.ends_with("out/pass-00003"));
        assert!(is_complete(&out));
        assert_eq!(fs::read_to_string(out.join("path.txt")).unwrap(), "net.cfg");
        assert!(out.join("net.cfg").is_file());
        let loaded = load_params(&out, &[("___fc_layer_0__.w0".into(), 3)]).unwrap();
        assert_eq!(loaded[0].1, vec![0.5; 3]);
        let state = load_state(&out).unwrap().unwrap();
        assert_eq!(state.counters.num_samples_processed, 10);
        assert_eq!(
            load_state_buffer(&out, "_b.momentum", 0).unwrap(),
            Some(vec![])
        );
        assert_eq!(load_state_buffer(&out, "_x.momentum", 0).unwrap(), None);
        // No temporary directories are left behind.
        let names: Vec<_> = fs::read_dir(dir.path().join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("pass-00003")]);
    }

    #[test]
    fn resaving_a_pass_replaces_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        save_pass(dir.path(), 0, &contents(vec![1.0])).unwrap();
        let out = save_pass(dir.path(), 0, &contents(vec![2.0])).unwrap();
        let loaded = load_params(&out, &[("___fc_layer_0__.w0".into(), 1)]).unwrap();
        assert_eq!(loaded[0].1, vec![2.0]);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_save_leaves_the_old_pass_intact() {
        let dir = tempfile::tempdir().unwrap();
        save_pass(dir.path(), 0, &contents(vec![1.0])).unwrap();
        let mut bad = contents(vec![2.0]);
        bad.params.push(("a/b".into(), vec![]));
        assert!(save_pass(dir.path(), 0, &bad).is_err());
        let loaded = load_params(
            &dir.path().join("pass-00000"),
            &[("___fc_layer_0__.w0".into(), 1)],
        )
        .unwrap();
        assert_eq!(loaded[0].1, vec![1.0]);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn sweep_removes_killed_runs_temporaries_only() {
        let dir = tempfile::tempdir().unwrap();
        save_pass(dir.path(), 0, &contents(vec![1.0])).unwrap();
        // A PID above any kernel's pid_max: a process that is gone.
        for name in [".pass-00001.tmp-2147483000", ".pass-00000.del-2147483000"] {
            fs::create_dir(dir.path().join(name)).unwrap();
            fs::write(dir.path().join(name).join("done"), "").unwrap();
        }
        fs::write(dir.path().join(".metrics.csv.tmp-2147483000"), "pass").unwrap();
        fs::write(dir.path().join(".notes.tmp-2147483000"), "the user's").unwrap();
        let swept = sweep(dir.path()).unwrap();
        assert_eq!(swept.len(), 3, "{swept:?}");
        assert_eq!(complete_passes(dir.path()), vec![0]);
        assert!(dir.path().join(".notes.tmp-2147483000").exists());
        assert!(is_trainer_file("pass-00012") && !is_trainer_file("pass-x"));
    }

    #[test]
    fn missing_directory_and_delete() {
        let dir = tempfile::tempdir().unwrap();
        let e = load_params(&dir.path().join("pass-00009"), &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("pass-00009: no such model directory"), "{e}");
        save_pass(dir.path(), 1, &contents(vec![1.0])).unwrap();
        delete_pass(dir.path(), 1).unwrap();
        assert!(!dir.path().join("pass-00001").exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
