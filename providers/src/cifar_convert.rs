//! `paddlers data cifar10 --from SRC --out DIR [--per_class N]`: the tutorial's `get_data.sh`
//! without the download. SRC is the official `cifar-10-python.tar.gz`, an unpacked
//! `cifar-10-batches-py/`, or an image-folder tree `train/<class>/*.jpg`, `test/<class>/*.jpg`.
//! DIR receives what the tutorial's `data/cifar10.py` made: `cifar-10-batches-py/` (Python 2
//! pickles in the official layout), `train.txt`/`test.txt` naming the batches,
//! `train.list`/`test.list` naming those, and `mean.meta` (the per-pixel training mean, an
//! `.npz` that `np.load(path)['mean']` reads).

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::builtin::cifar::{read_batch, CifarConfig};
use crate::error::{ProviderError, Result};
use crate::numpy::npz_f64;
use crate::pickle::{self, Dtype, Pickler, WriteValue};
use crate::rng::Rng;

const DIM: usize = 3072;
const CASES_PER_BATCH: usize = 10_000;
const CIFAR10_CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

#[derive(Debug, Clone, PartialEq)]
pub struct ConvertOptions {
    pub from: PathBuf,
    pub out: PathBuf,
    /// Training images kept per class (the first ones, in source order); None keeps all.
    pub per_class: Option<usize>,
    /// Test images kept per class; None keeps all, or a fifth of `per_class` when that is set.
    pub test_per_class: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConvertReport {
    pub source_kind: &'static str,
    pub train: usize,
    pub test: usize,
    pub classes: Vec<String>,
    /// Every file written, in the order written.
    pub written: Vec<PathBuf>,
}

impl fmt::Display for ConvertReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "converted {} ({} classes): {} training and {} test images",
            self.source_kind,
            self.classes.len(),
            self.train,
            self.test
        )?;
        for p in &self.written {
            writeln!(f, "  wrote {}", p.display())?;
        }
        Ok(())
    }
}

/// One split: images as rows of 3072 bytes (R, G, B planes) and their labels.
#[derive(Debug, Default, Clone)]
struct Split {
    data: Vec<u8>,
    labels: Vec<u8>,
    filenames: Vec<String>,
}

impl Split {
    fn len(&self) -> usize {
        self.labels.len()
    }

    fn push(&mut self, row: &[u8], label: u8, name: String) {
        self.data.extend_from_slice(row);
        self.labels.push(label);
        self.filenames.push(name);
    }

    /// The first `n` images of each class, in order; too few is an error.
    fn first_per_class(&self, n: usize, classes: &[String], what: &str) -> Result<Split> {
        let mut count = vec![0usize; classes.len()];
        let mut out = Split::default();
        for i in 0..self.len() {
            let l = self.labels[i] as usize;
            if count[l] < n {
                count[l] += 1;
                out.push(
                    &self.data[i * DIM..(i + 1) * DIM],
                    self.labels[i],
                    self.filenames[i].clone(),
                );
            }
        }
        if let Some((c, &have)) = count.iter().enumerate().find(|(_, &k)| k < n) {
            return Err(ProviderError::Usage(format!(
                "{what}: class '{}' has {have} images, fewer than the {n} asked for",
                classes[c]
            )));
        }
        Ok(out)
    }

    fn shuffled(&self, rng: &mut Rng) -> Split {
        let mut order: Vec<usize> = (0..self.len()).collect();
        rng.shuffle(&mut order);
        let mut out = Split::default();
        for i in order {
            out.push(
                &self.data[i * DIM..(i + 1) * DIM],
                self.labels[i],
                self.filenames[i].clone(),
            );
        }
        out
    }
}

struct Loaded {
    kind: &'static str,
    train: Split,
    test: Split,
    classes: Vec<String>,
    /// Image trees come sorted by class; batches come shuffled already.
    needs_shuffle: bool,
}

fn batch_config() -> CifarConfig {
    CifarConfig {
        channels: 3,
        height: 32,
        width: 32,
        num_classes: 10,
        label_key: "labels".into(),
        flip: false,
        mean: vec![0.0; DIM],
    }
}

fn add_batch(split: &mut Split, path: &Path, bytes: &[u8]) -> Result<()> {
    let recs = read_batch(path, bytes, &batch_config())?;
    let names: Vec<String> = pickle::load(bytes)
        .ok()
        .and_then(|v| v.get("filenames"))
        .and_then(|f| f.items())
        .map(|items| items.iter().filter_map(|x| x.as_text()).collect())
        .unwrap_or_default();
    for (i, r) in recs.iter().enumerate() {
        let name = names
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("{}#{i}", path.display()));
        split.push(&r.pixels, r.label as u8, name);
    }
    Ok(())
}

fn label_names(path: &Path, bytes: Option<&[u8]>) -> Result<Vec<String>> {
    let Some(bytes) = bytes else {
        return Ok(CIFAR10_CLASSES.iter().map(|s| s.to_string()).collect());
    };
    let v = pickle::load(bytes).map_err(|e| ProviderError::Pickle {
        path: path.to_path_buf(),
        offset: e.offset,
        msg: e.msg,
    })?;
    let names: Vec<String> = v
        .get("label_names")
        .and_then(|l| l.items())
        .map(|items| items.iter().filter_map(|x| x.as_text()).collect())
        .unwrap_or_default();
    if names.len() != 10 {
        return Err(ProviderError::format(
            path,
            format!("expected 10 'label_names', found {}", names.len()),
        ));
    }
    Ok(names)
}

/// The python batches, given a map from file name (`data_batch_1`, ...) to bytes.
fn from_batches(
    kind: &'static str,
    origin: &Path,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<Loaded> {
    let mut train = Split::default();
    for i in 1..=5 {
        let name = format!("data_batch_{i}");
        let bytes = files.get(&name).ok_or_else(|| {
            ProviderError::format(origin, format!("no {name} in the CIFAR-10 python batches"))
        })?;
        add_batch(&mut train, &origin.join(&name), bytes)?;
    }
    let mut test = Split::default();
    let bytes = files.get("test_batch").ok_or_else(|| {
        ProviderError::format(origin, "no test_batch in the CIFAR-10 python batches")
    })?;
    add_batch(&mut test, &origin.join("test_batch"), bytes)?;
    let classes = label_names(
        &origin.join("batches.meta"),
        files.get("batches.meta").map(Vec::as_slice),
    )?;
    Ok(Loaded {
        kind,
        train,
        test,
        classes,
        needs_shuffle: false,
    })
}

fn from_tar_gz(path: &Path) -> Result<Loaded> {
    let io = |e: std::io::Error| ProviderError::io(path, e);
    let f = std::fs::File::open(path).map_err(io)?;
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(f));
    let mut files = BTreeMap::new();
    for entry in ar.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        let name = entry
            .path()
            .map_err(io)?
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let wanted =
            name.starts_with("data_batch_") || name == "test_batch" || name == "batches.meta";
        if wanted && entry.header().entry_type().is_file() {
            let mut b = Vec::new();
            entry.read_to_end(&mut b).map_err(io)?;
            files.insert(name, b);
        }
    }
    from_batches("cifar-10-python.tar.gz", path, &files)
}

fn from_batch_dir(dir: &Path) -> Result<Loaded> {
    let mut files = BTreeMap::new();
    for name in [
        "data_batch_1",
        "data_batch_2",
        "data_batch_3",
        "data_batch_4",
        "data_batch_5",
        "test_batch",
        "batches.meta",
    ] {
        let p = dir.join(name);
        if p.exists() {
            files.insert(
                name.to_string(),
                std::fs::read(&p).map_err(|e| ProviderError::io(&p, e))?,
            );
        }
    }
    from_batches("cifar-10-batches-py", dir, &files)
}

fn sorted_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| ProviderError::io(dir, e))?;
    let mut v = Vec::new();
    for e in rd {
        v.push(e.map_err(|e| ProviderError::io(dir, e))?.path());
    }
    v.sort();
    Ok(v)
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

/// Reads `root/split/<class>/*` with at most `limit` images per class (sorted by name).
fn image_split(
    root: &Path,
    split: &str,
    classes: &[String],
    limit: Option<usize>,
) -> Result<Split> {
    let mut out = Split::default();
    for (ci, class) in classes.iter().enumerate() {
        let dir = root.join(split).join(class);
        let files: Vec<PathBuf> = sorted_dir(&dir)?
            .into_iter()
            .filter(|p| is_image(p))
            .collect();
        if let Some(n) = limit {
            if files.len() < n {
                return Err(ProviderError::Usage(format!(
                    "{}: {} images, fewer than the {n} asked for",
                    dir.display(),
                    files.len()
                )));
            }
        }
        for p in files.iter().take(limit.unwrap_or(usize::MAX)) {
            let bytes = std::fs::read(p).map_err(|e| ProviderError::io(p, e))?;
            let img = image::load_from_memory(&bytes)
                .map_err(|e| ProviderError::format(p, format!("unreadable image: {e}")))?
                .to_rgb8();
            if img.dimensions() != (32, 32) {
                return Err(ProviderError::format(
                    p,
                    format!(
                        "image is {}x{}, CIFAR-10 images are 32x32",
                        img.width(),
                        img.height()
                    ),
                ));
            }
            let mut row = vec![0u8; DIM];
            for (i, px) in img.pixels().enumerate() {
                for c in 0..3 {
                    row[c * 1024 + i] = px[c];
                }
            }
            let rel = format!(
                "{split}/{class}/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            );
            out.push(&row, ci as u8, rel);
        }
    }
    Ok(out)
}

fn from_image_tree(
    root: &Path,
    per_class: Option<usize>,
    test_per_class: Option<usize>,
) -> Result<Loaded> {
    let classes: Vec<String> = sorted_dir(&root.join("train"))?
        .into_iter()
        .filter(|p| p.is_dir())
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    if classes.len() != 10 {
        return Err(ProviderError::format(
            root.join("train"),
            format!(
                "expected 10 class folders for CIFAR-10, found {}: {classes:?}",
                classes.len()
            ),
        ));
    }
    // Labels follow the folder names' order, which for CIFAR-10's names is its label order.
    Ok(Loaded {
        kind: "image folder tree",
        train: image_split(root, "train", &classes, per_class)?,
        test: image_split(root, "test", &classes, test_per_class)?,
        classes,
        needs_shuffle: true,
    })
}

fn load_source(o: &ConvertOptions, test_per_class: Option<usize>) -> Result<Loaded> {
    let from = &o.from;
    if from.is_file() {
        return from_tar_gz(from);
    }
    if from.join("data_batch_1").exists() {
        return from_batch_dir(from);
    }
    if from.join("cifar-10-batches-py").is_dir() {
        return from_batch_dir(&from.join("cifar-10-batches-py"));
    }
    if from.join("train").is_dir() && from.join("test").is_dir() {
        return from_image_tree(from, o.per_class, test_per_class);
    }
    Err(ProviderError::Usage(format!(
        "{}: not a cifar-10-python.tar.gz, a cifar-10-batches-py directory, or an image tree with train/<class>/ and test/<class>/",
        from.display()
    )))
}

/// The files a conversion produces, relative to --out; anything else in an existing --out is
/// the user's and is carried into the new directory.
const PRODUCED: &[&str] = &[
    "cifar-10-batches-py",
    "mean.meta",
    "train.txt",
    "test.txt",
    "train.list",
    "test.list",
];

/// Where a conversion builds the new --out before swapping it in whole.
struct Staging {
    /// The new directory, `.OUT.tmp-PID` beside --out.
    dir: PathBuf,
    /// --out, as the written lists name it.
    out: PathBuf,
    written: Vec<PathBuf>,
}

impl Staging {
    /// Writes `rel` (fsynced) in the new directory; reports it under its final path.
    fn write(&mut self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.dir.join(rel);
        crate::durable::write_synced(&path, bytes).map_err(|e| ProviderError::io(&path, e))?;
        self.written.push(self.out.join(rel));
        Ok(())
    }
}

/// Removes the new directories of conversions that were killed (`.OUT.tmp-PID` and
/// `.OUT.old-PID` beside --out), saying so.
fn sweep_leftovers(out: &Path, out_name: &str) -> Result<()> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let swept = crate::durable::sweep(&parent, |base| base == out_name)
        .map_err(|e| ProviderError::io(&parent, e))?;
    if !swept.is_empty() {
        tracing::info!(
            "removed what an interrupted conversion left beside {}: {}",
            out.display(),
            crate::durable::describe(&swept)
        );
    }
    Ok(())
}

/// Carries the user's own files from the old --out into the new one as hard links (copies
/// where links cannot be made), so the swap replaces only what the conversion produces.
fn carry_over(old: &Path, new: &Path, top: bool) -> Result<()> {
    let entries = std::fs::read_dir(old).map_err(|e| ProviderError::io(old, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ProviderError::io(old, e))?;
        let name = entry.file_name();
        if top && PRODUCED.iter().any(|p| name == *p) {
            continue;
        }
        let (from, to) = (entry.path(), new.join(&name));
        let kind = entry.file_type().map_err(|e| ProviderError::io(&from, e))?;
        if kind.is_dir() {
            std::fs::create_dir(&to).map_err(|e| ProviderError::io(&to, e))?;
            carry_over(&from, &to, false)?;
        } else if kind.is_symlink() {
            let target = std::fs::read_link(&from).map_err(|e| ProviderError::io(&from, e))?;
            std::os::unix::fs::symlink(target, &to).map_err(|e| ProviderError::io(&to, e))?;
        } else if std::fs::hard_link(&from, &to).is_err() {
            std::fs::copy(&from, &to).map_err(|e| ProviderError::io(&from, e))?;
        }
    }
    Ok(())
}

fn batch_pickle(split: &Split, rows: std::ops::Range<usize>, label: &str) -> Vec<u8> {
    let labels: Vec<WriteValue> = split.labels[rows.clone()]
        .iter()
        .map(|&l| WriteValue::Int(l as i64))
        .collect();
    let names: Vec<WriteValue> = split.filenames[rows.clone()]
        .iter()
        .map(|n| WriteValue::Bytes(n.as_bytes()))
        .collect();
    let v = WriteValue::Dict(vec![
        ("batch_label", WriteValue::Bytes(label.as_bytes())),
        ("labels", WriteValue::List(labels)),
        (
            "data",
            WriteValue::Array {
                shape: vec![rows.len(), DIM],
                dtype: Dtype::parse("u1").expect("valid descr"),
                data: &split.data[rows.start * DIM..rows.end * DIM],
            },
        ),
        ("filenames", WriteValue::List(names)),
    ]);
    Pickler::dumps(&v)
}

/// Writes the tutorial's layout into `stage`; the lists name files under `out`.
fn write_data_dir(stage: &mut Staging, src: &Loaded, out: &Path) -> Result<()> {
    let batches = out.join("cifar-10-batches-py");
    let staged_batches = stage.dir.join("cifar-10-batches-py");
    std::fs::create_dir_all(&staged_batches).map_err(|e| ProviderError::io(&staged_batches, e))?;
    let n_train_batches = src.train.len().div_ceil(CASES_PER_BATCH);
    let mut train_txt = String::new();
    for b in 0..n_train_batches {
        let rows = b * CASES_PER_BATCH..((b + 1) * CASES_PER_BATCH).min(src.train.len());
        let name = format!("data_batch_{}", b + 1);
        let label = format!("training batch {} of {n_train_batches}", b + 1);
        stage.write(
            &format!("cifar-10-batches-py/{name}"),
            &batch_pickle(&src.train, rows, &label),
        )?;
        train_txt.push_str(&format!("{}\n", batches.join(&name).display()));
    }
    let test_rows = 0..src.test.len();
    stage.write(
        "cifar-10-batches-py/test_batch",
        &batch_pickle(&src.test, test_rows, "testing batch 1 of 1"),
    )?;
    let names: Vec<WriteValue> = src
        .classes
        .iter()
        .map(|c| WriteValue::Bytes(c.as_bytes()))
        .collect();
    let meta = WriteValue::Dict(vec![
        (
            "num_cases_per_batch",
            WriteValue::Int(CASES_PER_BATCH as i64),
        ),
        ("label_names", WriteValue::List(names)),
        ("num_vis", WriteValue::Int(DIM as i64)),
    ]);
    stage.write("cifar-10-batches-py/batches.meta", &Pickler::dumps(&meta))?;

    let mut sum = vec![0f64; DIM];
    for row in src.train.data.chunks_exact(DIM) {
        for (s, &p) in sum.iter_mut().zip(row) {
            *s += p as f64;
        }
    }
    let n = src.train.len() as f64;
    let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
    stage.write("mean.meta", &npz_f64(&[("mean", &mean)]))?;

    let test_txt = format!("{}\n", batches.join("test_batch").display());
    stage.write("train.txt", train_txt.as_bytes())?;
    stage.write("test.txt", test_txt.as_bytes())?;
    let train_list = format!("{}\n", out.join("train.txt").display());
    let test_list = format!("{}\n", out.join("test.txt").display());
    stage.write("train.list", train_list.as_bytes())?;
    stage.write("test.list", test_list.as_bytes())?;

    Ok(())
}

/// Converts SRC into the tutorial's data directory layout.
pub fn run(o: &ConvertOptions) -> Result<ConvertReport> {
    let test_per_class = o.test_per_class.or(o.per_class.map(|n| (n / 5).max(1)));
    let mut src = load_source(o, test_per_class)?;
    let what = o.from.display().to_string();
    if let Some(n) = o.per_class {
        src.train = src.train.first_per_class(n, &src.classes, &what)?;
    }
    if let Some(n) = test_per_class {
        src.test = src.test.first_per_class(n, &src.classes, &what)?;
    }
    if src.needs_shuffle {
        // Class-sorted images would make single-class batches; shuffle with a fixed seed.
        let mut rng = Rng::new(0);
        src.train = src.train.shuffled(&mut rng);
        src.test = src.test.shuffled(&mut rng);
    }
    if src.train.len() == 0 || src.test.len() == 0 {
        return Err(ProviderError::Usage(format!("{what}: no images")));
    }

    let out_name = o
        .out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            ProviderError::Usage(format!(
                "--out={}: give the data directory by name (such as data), not . or /",
                o.out.display()
            ))
        })?;
    sweep_leftovers(&o.out, &out_name)?;
    // Built whole beside --out and swapped in, so a kill leaves the old data or the new,
    // never a mixture of the two that training would read without a word.
    let mut stage = Staging {
        dir: crate::durable::sibling(&o.out, crate::durable::TMP),
        out: o.out.clone(),
        written: Vec::new(),
    };
    if stage.dir.exists() {
        std::fs::remove_dir_all(&stage.dir).map_err(|e| ProviderError::io(&stage.dir, e))?;
    }
    let built = write_data_dir(&mut stage, &src, &o.out);
    let built = built.and_then(|()| match o.out.is_dir() {
        true => carry_over(&o.out, &stage.dir, true),
        false => Ok(()),
    });
    let swapped = built.and_then(|()| {
        crate::durable::swap_dir_in(&stage.dir, &o.out).map_err(|e| ProviderError::io(&o.out, e))
    });
    if let Err(e) = swapped {
        let _ = std::fs::remove_dir_all(&stage.dir);
        return Err(e);
    }
    let written = stage.written;

    Ok(ConvertReport {
        source_kind: src.kind,
        train: src.train.len(),
        test: src.test.len(),
        classes: src.classes,
        written,
    })
}
