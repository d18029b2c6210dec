//! The one crash-safety rule for every file paddlers writes: build it under a temporary
//! sibling name (`.NAME.tmp-PID`), fsync it, then rename it into place, so a kill at any moment
//! leaves either the old file or the new one, never a part. Removing a directory renames it
//! out of the way first (`.NAME.del-PID`), so a directory under its real name is always whole.
//!
//! Every temporary name has the form `.BASE.KIND-PID`; [`sweep`] removes the ones whose process
//! is gone, which is how a run cleans up after a killed one.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file or directory being written.
pub const TMP: &str = "tmp";
/// A directory being deleted.
pub const DEL: &str = "del";
/// An old directory swapped out and about to be deleted.
pub const OLD: &str = "old";

/// `dir/.NAME.KIND-PID` beside `path`.
pub fn sibling(path: &Path, kind: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = path.parent().unwrap_or(Path::new(""));
    parent.join(format!(".{name}.{kind}-{}", std::process::id()))
}

/// Writes `path` whole or not at all.
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_file_with(path, |f| f.write_all(bytes))
}

/// Like [`write_file`], for writers that stream (image encoders).
pub fn write_file_with(
    path: &Path,
    fill: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> io::Result<()> {
    let tmp = sibling(path, TMP);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        fill(&mut f)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    sync_parent(path);
    Ok(())
}

/// Writes and fsyncs a file inside a directory that is itself renamed into place later.
pub fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Best effort: a directory fsync makes renames in it durable; some filesystems refuse it.
pub fn sync_dir(dir: &Path) {
    if let Ok(f) = fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

fn sync_parent(path: &Path) {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => sync_dir(p),
        _ => sync_dir(Path::new(".")),
    }
}

/// Moves the finished directory `staging` to `dest`. An existing `dest` is exchanged with it
/// atomically where the kernel can (renameat2 RENAME_EXCHANGE), else renamed out of the way
/// first; either way `dest` is never a mixture, and the old contents are then deleted.
pub fn swap_dir_in(staging: &Path, dest: &Path) -> io::Result<()> {
    sync_dir(staging);
    if fs::symlink_metadata(dest).is_err() {
        fs::rename(staging, dest)?;
        sync_parent(dest);
        return Ok(());
    }
    if exchange(staging, dest) {
        sync_parent(dest);
        // `staging` now holds the old contents.
        return remove_dir(staging);
    }
    let old = sibling(dest, OLD);
    fs::rename(dest, &old)?;
    fs::rename(staging, dest)?;
    sync_parent(dest);
    fs::remove_dir_all(&old)
}

/// Removes a directory so that it is never seen half deleted under its own name: renamed to
/// `.NAME.del-PID` (and that rename made durable) before anything in it is removed.
pub fn remove_dir(dir: &Path) -> io::Result<()> {
    let doomed = sibling(dir, DEL);
    fs::rename(dir, &doomed)?;
    sync_parent(dir);
    fs::remove_dir_all(&doomed)
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (Ok(ca), Ok(cb)) = (
        CString::new(a.as_os_str().as_bytes()),
        CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call; the syscall
    // reads them and nothing else.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    rc == 0
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

/// A temporary leftover's parts: `.BASE.KIND-PID` gives (BASE, KIND, PID).
pub fn parse_temporary(name: &str) -> Option<(&str, &str, u32)> {
    let rest = name.strip_prefix('.')?;
    let (stem, pid) = rest.rsplit_once('-')?;
    let pid: u32 = pid.parse().ok()?;
    let (base, kind) = stem.rsplit_once('.')?;
    if base.is_empty() || ![TMP, DEL, OLD].contains(&kind) {
        return None;
    }
    Some((base, kind, pid))
}

fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() || pid == 0 || pid > i32::MAX as u32 {
        return false;
    }
    // SAFETY: signal 0 checks that the process exists and sends nothing.
    let rc = unsafe { libc::kill(pid as libc::pid_t, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// One removed leftover.
#[derive(Debug, Clone, PartialEq)]
pub struct Swept {
    pub path: PathBuf,
    pub bytes: u64,
}

/// Removes the temporaries in `dir` whose BASE `ours` accepts and whose process is gone (a
/// killed run's). Those of a live process are left alone: it may still be writing them.
pub fn sweep(dir: &Path, ours: impl Fn(&str) -> bool) -> io::Result<Vec<Swept>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut swept = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((base, _, pid)) = parse_temporary(&name) else {
            continue;
        };
        if !ours(base) || process_alive(pid) {
            continue;
        }
        let path = entry.path();
        let bytes = disk_usage(&path);
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(&path)?;
        } else {
            fs::remove_file(&path)?;
        }
        swept.push(Swept { path, bytes });
    }
    swept.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(swept)
}

/// Bytes under `path` (files only; symbolic links are not followed).
pub fn disk_usage(path: &Path) -> u64 {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    fs::read_dir(path)
        .map(|es| es.flatten().map(|e| disk_usage(&e.path())).sum())
        .unwrap_or(0)
}

/// "3 leftovers (6.1 MB): a, b, c" for the log line of a sweep.
pub fn describe(swept: &[Swept]) -> String {
    let bytes: u64 = swept.iter().map(|s| s.bytes).sum();
    let names: Vec<String> = swept
        .iter()
        .map(|s| {
            s.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    format!(
        "{} temporary leftover(s), {:.1} MB: {}",
        swept.len(),
        bytes as f64 / 1e6,
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_parse_back() {
        assert_eq!(
            parse_temporary(".pass-00002.tmp-123"),
            Some(("pass-00002", "tmp", 123))
        );
        assert_eq!(
            parse_temporary(".metrics.csv.tmp-9"),
            Some(("metrics.csv", "tmp", 9))
        );
        assert_eq!(parse_temporary(".data.old-77"), Some(("data", "old", 77)));
        assert_eq!(parse_temporary("pass-00002"), None);
        assert_eq!(parse_temporary(".pass-00002.tmp-x"), None);
        assert_eq!(parse_temporary(".pass-00002.bak-1"), None);
        let p = sibling(Path::new("a/b/pass-00001"), TMP);
        assert_eq!(
            p,
            Path::new(&format!("a/b/.pass-00001.tmp-{}", std::process::id()))
        );
    }

    #[test]
    fn write_file_replaces_whole_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("metrics.csv");
        write_file(&p, b"old").unwrap();
        write_file(&p, b"new").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        // A failing writer leaves the old file and no temporary.
        let e = write_file_with(&p, |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(e.is_err());
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn remove_dir_renames_out_first_and_swap_replaces_whole() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("pass-00000");
        fs::create_dir(&d).unwrap();
        fs::write(d.join("done"), "x").unwrap();
        remove_dir(&d).unwrap();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);

        let dest = dir.path().join("data");
        let staging = sibling(&dest, TMP);
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("a"), "1").unwrap();
        swap_dir_in(&staging, &dest).unwrap();
        let staging = sibling(&dest, TMP);
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("b"), "2").unwrap();
        swap_dir_in(&staging, &dest).unwrap();
        assert!(!dest.join("a").exists());
        assert_eq!(fs::read_to_string(dest.join("b")).unwrap(), "2");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn sweep_removes_dead_processes_leftovers_only() {
        let dir = tempfile::tempdir().unwrap();
        // Above any kernel's pid_max (2^22), so no such process; our own PID's leftovers
        // are ours to remove too.
        let dead = dir.path().join(".pass-00003.tmp-2147483000");
        fs::create_dir(&dead).unwrap();
        fs::write(dead.join("w"), vec![0u8; 100]).unwrap();
        let own = sibling(&dir.path().join("metrics.csv"), TMP);
        fs::write(&own, "x").unwrap();
        // PID 1 is alive in every container and machine.
        let live = dir.path().join(".pass-00004.tmp-1");
        fs::create_dir(&live).unwrap();
        let foreign = dir.path().join(".notes.tmp-2147483000");
        fs::write(&foreign, "user's").unwrap();
        let swept = sweep(dir.path(), |b| b.starts_with("pass-") || b == "metrics.csv").unwrap();
        assert_eq!(swept.len(), 2, "{swept:?}");
        assert_eq!(swept.iter().map(|s| s.bytes).sum::<u64>(), 101);
        assert!(!dead.exists() && !own.exists());
        assert!(live.exists() && foreign.exists());
        assert!(describe(&swept).starts_with("2 temporary leftover(s), 0.0 MB: "));
    }
}
