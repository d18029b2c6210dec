//! `paddlers data images --from DIR --out DIR`: class folders to the image lists the
//! `image_list` provider reads (what Paddle's ImageNet recipes fed their image-list providers).
//!
//! DIR is either `train/<class>/*` and `test/<class>/*`, or a single tree `<class>/*` that is
//! split per class by `test_ratio` with a seeded shuffle. The output holds `train.list` and
//! `test.list` of `path label` lines and `labels.txt`, one class name a line, line i naming
//! label i. Classes are the training folders' names in sorted order. The listed paths are
//! `--from` joined with the file's place in the tree: relative when `--from` is, and then
//! resolved from the working directory as the provider resolves them (so train from where the
//! conversion ran, or pass an absolute `--from`). Images are not decoded here: the provider
//! names any unreadable one with its list line when it reads it.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{ProviderError, Result};
use crate::rng::Rng;

#[derive(Debug, Clone, PartialEq)]
pub struct ImageFoldersOptions {
    pub from: PathBuf,
    pub out: PathBuf,
    /// The share of each class held out for testing, for a single tree; None means 0.1 there.
    /// Refused for a train/test tree, whose split is given.
    pub test_ratio: Option<f64>,
    /// Seeds the single tree's split, so the same seed gives the same lists everywhere.
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImageFoldersReport {
    pub layout: &'static str,
    pub classes: Vec<String>,
    pub train: usize,
    pub test: usize,
    /// Files under the class folders that are not .jpg, .jpeg or .png, left out of the lists.
    pub skipped: usize,
    pub written: Vec<PathBuf>,
}

impl fmt::Display for ImageFoldersReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "converted a {} ({} classes): {} training and {} test images",
            self.layout,
            self.classes.len(),
            self.train,
            self.test
        )?;
        if self.skipped > 0 {
            writeln!(
                f,
                "  skipped {} files that are not .jpg, .jpeg or .png",
                self.skipped
            )?;
        }
        for p in &self.written {
            writeln!(f, "  wrote {}", p.display())?;
        }
        Ok(())
    }
}

/// One `path label` line's parts.
type Entry = (PathBuf, usize);

fn entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| ProviderError::io(dir, e))?;
    let mut v = Vec::new();
    for e in rd {
        v.push(e.map_err(|e| ProviderError::io(dir, e))?.path());
    }
    v.sort();
    Ok(v)
}

fn name_of(p: &Path) -> Result<String> {
    let name = p
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| ProviderError::format(p, "the name is not UTF-8".to_string()))?;
    // A list line is `path label`, one a line: a line break in a name would split it.
    if name.contains(['\n', '\r']) {
        return Err(ProviderError::format(
            p,
            "the name holds a line break, which a list line cannot".to_string(),
        ));
    }
    Ok(name.to_string())
}

fn class_dirs(root: &Path) -> Result<Vec<String>> {
    let mut classes = Vec::new();
    for p in entries(root)? {
        if p.is_dir() {
            classes.push(name_of(&p)?);
        }
    }
    if classes.is_empty() {
        return Err(ProviderError::format(
            root,
            "no class folders: expected <class>/*.jpg".to_string(),
        ));
    }
    Ok(classes)
}

fn is_image(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("jpg" | "jpeg" | "png")
    )
}

/// The images of one class folder, sorted by name; an empty folder is an error.
fn images(dir: &Path, skipped: &mut usize) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in entries(dir)? {
        if p.is_file() && is_image(&p) {
            name_of(&p)?;
            out.push(p);
        } else if p.is_file() {
            *skipped += 1;
        }
    }
    if out.is_empty() {
        return Err(ProviderError::format(
            dir,
            "no .jpg, .jpeg or .png images in this class folder".to_string(),
        ));
    }
    Ok(out)
}

fn split_tree(root: &Path, classes: &[String], skipped: &mut usize) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for (label, class) in classes.iter().enumerate() {
        for p in images(&root.join(class), skipped)? {
            out.push((p, label));
        }
    }
    Ok(out)
}

fn train_test_tree(
    from: &Path,
    skipped: &mut usize,
) -> Result<(Vec<String>, Vec<Entry>, Vec<Entry>)> {
    let test_root = from.join("test");
    if !test_root.is_dir() {
        return Err(ProviderError::format(
            from,
            "has train/ but no test/: give both, or one tree of class folders to split with --test_ratio".to_string(),
        ));
    }
    let classes = class_dirs(&from.join("train"))?;
    let test_classes = class_dirs(&test_root)?;
    if let Some(unknown) = test_classes.iter().find(|c| !classes.contains(c)) {
        return Err(ProviderError::format(
            test_root.join(unknown),
            format!("a test class with no training folder (the classes are {classes:?})"),
        ));
    }
    let train = split_tree(&from.join("train"), &classes, skipped)?;
    let mut test = Vec::new();
    for (label, class) in classes.iter().enumerate() {
        let dir = test_root.join(class);
        if dir.is_dir() {
            for p in images(&dir, skipped)? {
                test.push((p, label));
            }
        }
    }
    Ok((classes, train, test))
}

fn single_tree(
    from: &Path,
    ratio: f64,
    seed: u64,
    skipped: &mut usize,
) -> Result<(Vec<String>, Vec<Entry>, Vec<Entry>)> {
    let classes = class_dirs(from)?;
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (label, class) in classes.iter().enumerate() {
        let mut files = images(&from.join(class), skipped)?;
        // One stream per class, so adding a class leaves the others' splits as they were.
        Rng::derive(seed, label as u64).shuffle(&mut files);
        let held = (files.len() as f64 * ratio).round() as usize;
        let held = held.min(files.len().saturating_sub(1));
        let mut kept = files.split_off(held);
        kept.sort();
        files.sort();
        test.extend(files.into_iter().map(|p| (p, label)));
        train.extend(kept.into_iter().map(|p| (p, label)));
    }
    Ok((classes, train, test))
}

fn list_text(entries: &[Entry]) -> String {
    entries
        .iter()
        .map(|(p, l)| format!("{} {l}\n", p.display()))
        .collect()
}

pub fn run(o: &ImageFoldersOptions) -> Result<ImageFoldersReport> {
    if !o.from.is_dir() {
        return Err(ProviderError::Usage(format!(
            "{}: not a directory of class folders (train/<class>/*.jpg and test/<class>/*.jpg, or <class>/*.jpg)",
            o.from.display()
        )));
    }
    let mut skipped = 0;
    let (layout, (classes, train, test)) = if o.from.join("train").is_dir() {
        if let Some(r) = o.test_ratio {
            return Err(ProviderError::Usage(format!(
                "--test_ratio={r}: {} already has train/ and test/; the ratio splits a single tree of class folders",
                o.from.display()
            )));
        }
        ("train/test tree", train_test_tree(&o.from, &mut skipped)?)
    } else {
        let ratio = o.test_ratio.unwrap_or(0.1);
        if !(0.0..1.0).contains(&ratio) {
            return Err(ProviderError::Usage(format!(
                "--test_ratio={ratio}: must be at least 0 and below 1"
            )));
        }
        (
            "single tree",
            single_tree(&o.from, ratio, o.seed, &mut skipped)?,
        )
    };
    std::fs::create_dir_all(&o.out).map_err(|e| ProviderError::io(&o.out, e))?;
    let mut written = Vec::new();
    let labels: String = classes.iter().map(|c| format!("{c}\n")).collect();
    for (name, text) in [
        ("train.list", list_text(&train)),
        ("test.list", list_text(&test)),
        ("labels.txt", labels),
    ] {
        let path = o.out.join(name);
        std::fs::write(&path, text).map_err(|e| ProviderError::io(&path, e))?;
        written.push(path);
    }
    Ok(ImageFoldersReport {
        layout,
        classes,
        train: train.len(),
        test: test.len(),
        skipped,
        written,
    })
}
