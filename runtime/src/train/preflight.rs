//! Checks before work: whatever would otherwise fail at the end of a pass (an unwritable
//! save_dir, a bad test record, labels beyond the output layer) or do nothing without a word
//! (`--start_pass` at `--num_passes`) is tried before the first batch, each failure an error
//! that says where and what to change.

use std::fs;
use std::path::Path;

use paddlers_graph::TrainerConfig;
use paddlers_providers::durable;
use paddlers_providers::slots::{Slot, SlotKind};

use super::checkpoint;
use super::data_source;
use super::error::TrainError;
use super::metrics;
use super::options::TrainOptions;

/// The base name of the file that tests save_dir for writing (`.paddlers-probe.tmp-PID`).
pub const PROBE: &str = "paddlers-probe";

/// Flags that cannot work together. `--start_pass` with an `--init_model_path` naming the
/// same pass directory is one way to say "resume": the optimizer state is then restored too.
pub fn check_train_flags(opts: &mut TrainOptions) -> Result<(), TrainError> {
    if opts.start_pass >= opts.num_passes {
        return Err(TrainError::Flag(format!(
            "--start_pass={} with --num_passes={}: no pass left to train (passes run from \
             --start_pass to --num_passes - 1); give --num_passes={} or more",
            opts.start_pass,
            opts.num_passes,
            opts.start_pass + 1
        )));
    }
    if let (Some(init), true) = (&opts.init_model_path, opts.start_pass > 0) {
        let resume = opts
            .save_dir
            .join(checkpoint::pass_dir_name(opts.start_pass - 1));
        if !same_dir(init, &resume) {
            return Err(TrainError::Flag(format!(
                "--start_pass={} resumes from {}, but --init_model_path={} names another \
                 model: give --init_model_path alone to start a new run from a model, or \
                 --start_pass alone to continue the run in --save_dir",
                opts.start_pass,
                resume.display(),
                init.display()
            )));
        }
        opts.init_model_path = None;
    }
    Ok(())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// save_dir is a directory (created if missing) in which a file can be written and removed.
pub fn check_save_dir(save_dir: &Path) -> Result<(), TrainError> {
    let fix = "give --save_dir a directory you can write (it is created if missing)";
    if fs::metadata(save_dir).is_ok_and(|m| !m.is_dir()) {
        return Err(TrainError::checkpoint(
            save_dir,
            format!("--save_dir names a file, not a directory, so no pass could be saved; {fix}"),
        ));
    }
    fs::create_dir_all(save_dir).map_err(|e| {
        TrainError::checkpoint(save_dir, format!("cannot create --save_dir ({e}); {fix}"))
    })?;
    let probe = durable::sibling(&save_dir.join(PROBE), durable::TMP);
    let written = durable::write_synced(&probe, b"paddlers checks that save_dir is writable\n")
        .and_then(|()| fs::remove_file(&probe));
    written.map_err(|e| {
        let _ = fs::remove_file(&probe);
        TrainError::checkpoint(
            save_dir,
            format!(
                "cannot write in --save_dir ({e}), so pass 0 would be lost when it ends; {fix}"
            ),
        )
    })
}

/// Says when a run from pass 0 will replace an earlier run's passes, and keeps the earlier
/// metrics.csv rows this run will rewrite in a dated backup.
pub fn note_earlier_run(opts: &TrainOptions) -> Result<(), TrainError> {
    if opts.start_pass == 0 && opts.init_model_path.is_none() {
        let passes = checkpoint::complete_passes(&opts.save_dir);
        if let (Some(first), Some(last)) = (passes.first(), passes.last()) {
            tracing::warn!(
                "{} already holds {} pass director{} ({}..{}) of an earlier run: this run \
                 starts from pass 0 and replaces them as it saves; to continue that run \
                 instead, give --start_pass={}",
                opts.save_dir.display(),
                passes.len(),
                if passes.len() == 1 { "y" } else { "ies" },
                checkpoint::pass_dir_name(*first),
                checkpoint::pass_dir_name(*last),
                last + 1
            );
        }
    }
    if let Some(backup) = metrics::back_up(&opts.save_dir, opts.start_pass)? {
        tracing::info!(
            "kept the earlier {} as {}: this run rewrites its rows from pass {}",
            metrics::CSV,
            backup.display(),
            opts.start_pass
        );
    }
    Ok(())
}

/// Cost layers whose second input is a class id that indexes the first input's columns.
fn is_class_cost(layer_type: &str) -> bool {
    matches!(
        layer_type,
        "multi-class-cross-entropy" | "multi_class_cross_entropy_with_selfnorm"
    )
}

/// Whether ids of data layer `name` index something of the layer's size: the labels of a
/// classification cost, or the rows of a table projection (embedding_layer).
fn indexes_by_size(model: &paddlers_graph::ModelConfig, name: &str) -> bool {
    model.layers.iter().any(|l| {
        let label =
            is_class_cost(&l.r#type) && l.inputs.get(1).is_some_and(|i| i.input_layer_name == name);
        let table = l.inputs.iter().any(|i| {
            i.input_layer_name == name && i.proj_conf.as_ref().is_some_and(|p| p.r#type == "table")
        });
        label || table
    })
}

/// Each id slot the provider declares (`integer_value(n)`) fits the data layer it feeds and,
/// for labels, the output layer its cost reads: otherwise a record with a large id stops
/// training mid-pass.
pub fn check_id_ranges(
    config: &TrainerConfig,
    slots: &[Slot],
    what: &str,
) -> Result<(), TrainError> {
    let model = &config.model_config;
    let cfg = config.config_file.clone().unwrap_or_default();
    for slot in slots.iter().filter(|s| s.ty.kind == SlotKind::Index) {
        let Some(layer) = model.layer(&slot.name) else {
            continue;
        };
        let (name, dim) = (&slot.name, slot.ty.dim as u64);
        let size = layer.size.unwrap_or(0);
        // Only where the layer's size bounds its ids: a class label, or an embedding's rows
        // (Paddle's own multiplex config feeds indexes 0..2 through data_layer(size=1)).
        // The layer's own line where the config recorded it, else just the file.
        let at = |layer: &str| {
            config
                .layer_origins
                .get(layer)
                .map_or_else(|| cfg.clone(), |o| o.to_string())
        };
        if indexes_by_size(model, name) && dim > size {
            return Err(TrainError::Config(format!(
                "{}: data_layer '{name}' has size {size}, but the {what} data provider \
                 declares its slot as integer_value({dim}): an id {size} ≥ layer size {size} \
                 would not fit. Give data_layer(name='{name}', size={dim}), or declare \
                 integer_value({size}) in the provider",
                at(name)
            )));
        }
        let costs = model.layers.iter().filter(|l| {
            is_class_cost(&l.r#type) && l.inputs.get(1).is_some_and(|i| i.input_layer_name == *name)
        });
        for cost in costs {
            let Some(out) = cost
                .inputs
                .first()
                .and_then(|i| model.layer(&i.input_layer_name))
            else {
                continue;
            };
            let width = out.size.unwrap_or(0);
            if width > 0 && dim > width {
                return Err(TrainError::Config(format!(
                    "{}: layer '{}' has size {width}, but cost '{}' reads its labels from \
                     '{name}', which the {what} data provider declares as integer_value({dim}): \
                     a label {width} ≥ output size {width} would stop training mid-pass. Give \
                     layer '{}' size={dim}, or declare integer_value({width}) in the provider",
                    at(&out.name),
                    out.name,
                    cost.name,
                    out.name
                )));
            }
        }
    }
    Ok(())
}

/// Opens the test data apart from the trainer's own test provider and reads its first batch,
/// so a missing file or a bad first record is found before a training pass, not after it.
pub fn check_test_data(
    config: &TrainerConfig,
    seed: u64,
    batch_size: usize,
) -> Result<(), TrainError> {
    let Some(data) = &config.test_data_config else {
        return Ok(());
    };
    let spec = data_source::spec(config, data, false)?;
    let data_err = |e: paddlers_providers::ProviderError| {
        TrainError::Data(format!("the test data (checked before training): {e}"))
    };
    let mut provider = paddlers_providers::open(&spec, seed).map_err(data_err)?;
    check_id_ranges(config, provider.slots(), "test")?;
    provider.start_pass(batch_size).map_err(data_err)?;
    match provider.next_batch().map_err(data_err)? {
        Some(_) => Ok(()),
        None => Err(TrainError::Data(format!(
            "the test data listed in {} has no samples; fix the list or remove test_list \
             from define_py_data_sources2",
            spec.list.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_that_train_nothing_or_disagree_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = TrainOptions::new(dir.path());
        o.num_passes = 3;
        o.start_pass = 3;
        let e = check_train_flags(&mut o).unwrap_err().to_string();
        assert!(
            e.contains("no pass left to train") && e.contains("--num_passes=4"),
            "{e}"
        );
        o.start_pass = 2;
        o.init_model_path = Some(dir.path().join("elsewhere"));
        let e = check_train_flags(&mut o).unwrap_err().to_string();
        assert!(e.contains("names another model"), "{e}");
        // Naming the pass that --start_pass resumes from is the same request.
        o.init_model_path = Some(dir.path().join("pass-00001"));
        check_train_flags(&mut o).unwrap();
        assert_eq!(o.init_model_path, None);
    }

    #[test]
    fn save_dir_must_be_a_writable_directory() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("model");
        fs::write(&file, "").unwrap();
        let e = check_save_dir(&file).unwrap_err().to_string();
        assert!(e.contains("names a file, not a directory"), "{e}");
        let fresh = dir.path().join("a/b");
        check_save_dir(&fresh).unwrap();
        assert_eq!(
            fs::read_dir(&fresh).unwrap().count(),
            0,
            "the probe is removed"
        );
    }
}
