//! The `paddlers` front end: Paddle's flag forms, every `--help`, and proof that the commands
//! that need no libtorch run where libtorch cannot be found.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use paddlers::cli::args::{Command as Sub, DataCommand, Job};
use paddlers::cli::parse_from;

fn parse(args: &[&str]) -> paddlers::cli::Cli {
    let mut v = vec!["paddlers".to_string()];
    v.extend(args.iter().map(|s| s.to_string()));
    parse_from(v).unwrap_or_else(|e| panic!("{args:?} should parse: {e}"))
}

fn train(args: &[&str]) -> paddlers::cli::args::TrainArgs {
    match parse(args).command {
        Sub::Train(t) => t,
        other => panic!("expected train, got {other:?}"),
    }
}

#[test]
fn use_gpu_accepts_every_paddle_form() {
    let base = ["train", "--config=m.cfg"];
    let cases: &[(&[&str], bool)] = &[
        (&["--use_gpu=true"], true),
        (&["--use_gpu", "true"], true),
        (&["--use_gpu"], true),
        (&["--use_gpu=1"], true),
        (&["--use_gpu=0"], false),
        (&["--use_gpu=false"], false),
        (&["--use_gpu", "false"], false),
        (&["--use_gpu", "0"], false),
        (&[], false),
    ];
    for (extra, want) in cases {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        assert_eq!(train(&args).device.use_gpu, *want, "{args:?}");
    }
    // A bare bool flag in front of another flag must not swallow it.
    let t = train(&[
        "train",
        "--use_gpu",
        "--config",
        "m.cfg",
        "--trainer_count",
        "2",
    ]);
    assert!(t.device.use_gpu);
    assert_eq!(t.config, PathBuf::from("m.cfg"));
    assert_eq!(t.device.trainer_count, 2);
}

#[test]
fn train_flags_have_paddles_defaults() {
    let t = train(&["train", "--config=m.cfg"]);
    assert_eq!(t.job, Job::Train);
    assert_eq!(t.num_passes, 100);
    assert_eq!(t.log_period, 100);
    assert_eq!(t.dot_period, 1);
    assert_eq!(t.saving_period, 1);
    assert_eq!(t.test_period, 0);
    assert_eq!(t.start_pass, 0);
    assert_eq!(t.device.trainer_count, 1);
    assert_eq!(t.device.gpu_id, 0);
    assert_eq!(t.device.seed, 1);
    assert!(t.local);
    assert!(!t.save_only_one);
    assert!(!t.test_all_data_in_one_period);
    assert_eq!(t.checkgrad_eps, 1e-5);
    assert_eq!(t.save_dir, "");
    assert_eq!(t.init_model_path, "");
}

#[test]
fn train_flags_parse_in_both_spellings() {
    let t = train(&[
        "train",
        "--config",
        "models/resnet.cfg",
        "--job=checkgrad",
        "--num_passes=3",
        "--save_dir",
        "out",
        "--config_args=depth=20,is_predict=0",
        "--save_only_one",
        "--local=0",
        "--gpu_id=1",
    ]);
    assert_eq!(t.job, Job::Checkgrad);
    assert_eq!(t.num_passes, 3);
    assert_eq!(t.save_dir, "out");
    assert_eq!(t.config_args, "depth=20,is_predict=0");
    assert!(t.save_only_one);
    assert!(!t.local);
    assert_eq!(t.device.gpu_id, 1);
}

#[test]
fn dump_config_takes_positional_config_args_and_whole() {
    match parse(&["dump_config", "a.py", "x=1", "--whole"]).command {
        Sub::DumpConfig(d) => {
            assert_eq!(d.config, PathBuf::from("a.py"));
            assert_eq!(d.config_args, "x=1");
            assert!(d.whole);
        }
        other => panic!("{other:?}"),
    }
    match parse(&["dump_config", "--whole", "a.py"]).command {
        Sub::DumpConfig(d) => {
            assert!(d.whole);
            assert_eq!(d.config, PathBuf::from("a.py"));
            assert_eq!(d.config_args, "");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn data_cifar10_flags() {
    match parse(&[
        "data",
        "cifar10",
        "--from",
        "src",
        "--out=dst",
        "--per_class=100",
    ])
    .command
    {
        Sub::Data(d) => match d.dataset {
            DataCommand::Cifar10(c) => {
                assert_eq!(c.from, PathBuf::from("src"));
                assert_eq!(c.out, PathBuf::from("dst"));
                assert_eq!(c.per_class, Some(100));
                assert_eq!(c.test_per_class, None);
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn data_images_writes_lists_and_refuses_bad_trees() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    for (class, n) in [("cat", 3), ("dog", 2)] {
        let d = src.join(class);
        std::fs::create_dir_all(&d).unwrap();
        for k in 0..n {
            // Never decoded by the converter: the provider reads the images.
            std::fs::write(d.join(format!("{k}.jpg")), b"jpeg").unwrap();
        }
    }
    let out = dir.path().join("lists");
    let (s, o) = (src.to_str().unwrap(), out.to_str().unwrap());
    let done = run(
        Path::new(paddlers_bin()),
        &[
            "data",
            "images",
            "--from",
            s,
            "--out",
            o,
            "--test_ratio=0.5",
        ],
    );
    let log = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{log}");
    assert!(
        log.contains("single tree (2 classes): 2 training and 3 test images"),
        "{log}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("labels.txt")).unwrap(),
        "cat\ndog\n"
    );
    let test = std::fs::read_to_string(out.join("test.list")).unwrap();
    assert_eq!(test.lines().count(), 3, "{test}");
    assert!(test.lines().all(|l| l.starts_with(s)), "{test}");

    let refused = run(
        Path::new(paddlers_bin()),
        &["data", "images", "--from", s, "--out", o, "--test_ratio=2"],
    );
    assert_eq!(refused.status.code(), Some(1));
    let log = String::from_utf8_lossy(&refused.stderr);
    assert!(
        log.contains("--test_ratio=2: must be at least 0 and below 1"),
        "{log}"
    );
    let usage = run(Path::new(paddlers_bin()), &["data", "images", "--from", s]);
    assert_eq!(usage.status.code(), Some(2), "--out is required");
}

#[test]
fn bad_flags_and_values_are_usage_errors() {
    for bad in [
        &["train", "--config=m.cfg", "--use_gpu=maybe"][..],
        &["train", "--config=m.cfg", "--num_passes=many"],
        &["train", "--config=m.cfg", "--trainer_count=0"],
        &["train", "--config=m.cfg", "--job=fly"],
        &["train", "--config=m.cfg", "--no_such_flag=1"],
        &["train"],
        &["dump_config"],
    ] {
        let mut v = vec!["paddlers".to_string()];
        v.extend(bad.iter().map(|s| s.to_string()));
        let err = parse_from(v).expect_err(&format!("{bad:?} must be rejected"));
        assert_eq!(err.exit_code(), 2, "{bad:?}: usage errors exit with 2");
    }
}

fn paddlers_bin() -> &'static str {
    env!("CARGO_BIN_EXE_paddlers")
}

fn run(bin: &Path, args: &[&str]) -> Output {
    // A freshly copied binary can fail to start with ETXTBSY while another test thread's
    // child still holds the copy's write descriptor (fork between create and close); that
    // child execs at once, so a retry succeeds.
    for _ in 0..50 {
        match Command::new(bin)
            .args(args)
            .env_remove("LD_LIBRARY_PATH")
            .output()
        {
            Err(e) if e.raw_os_error() == Some(26) => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            other => return other.expect("run paddlers"),
        }
    }
    panic!("{} stayed busy (ETXTBSY)", bin.display())
}

/// A copy of the front end alone, in a directory with no paddlers-runtime and no libtorch.
fn lonely_front_end() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("paddlers");
    std::fs::copy(paddlers_bin(), &bin).unwrap();
    (dir, bin)
}

#[test]
fn every_help_works_without_libtorch() {
    let (_dir, bin) = lonely_front_end();
    let top = run(&bin, &["--help"]);
    assert!(top.status.success());
    let text = String::from_utf8_lossy(&top.stdout);
    for sub in [
        "train",
        "test",
        "dump_config",
        "predict",
        "extract",
        "data",
        "version",
    ] {
        assert!(text.contains(sub), "top-level help lists {sub}");
        let out = run(&bin, &[sub, "--help"]);
        assert!(out.status.success(), "{sub} --help: {out:?}");
        assert!(!out.stdout.is_empty(), "{sub} --help prints help");
    }
    let train = String::from_utf8_lossy(&run(&bin, &["train", "--help"]).stdout).to_string();
    for flag in [
        "--config",
        "--config_args",
        "--use_gpu",
        "--gpu_id",
        "--trainer_count",
        "--num_passes",
        "--start_pass",
        "--init_model_path",
        "--save_dir",
        "--saving_period",
        "--save_only_one",
        "--log_period",
        "--dot_period",
        "--test_period",
        "--test_all_data_in_one_period",
        "--job",
        "--seed",
        "--show_parameter_stats_period",
        "--local",
    ] {
        assert!(train.contains(flag), "train --help documents {flag}");
    }
    assert!(train.contains("[default: 100]"), "defaults are shown");
}

#[test]
fn front_end_does_not_link_libtorch() {
    // The dynamic string table names every NEEDED library; libtorch must not be among them.
    let bytes = std::fs::read(paddlers_bin()).unwrap();
    for lib in [&b"libtorch_cpu.so"[..], b"libc10.so", b"libtorch.so"] {
        assert!(
            !bytes.windows(lib.len()).any(|w| w == lib),
            "paddlers mentions {}",
            String::from_utf8_lossy(lib)
        );
    }
}

#[test]
fn computing_commands_say_where_the_runtime_should_be() {
    let (dir, bin) = lonely_front_end();
    let cfg = dir.path().join("m.cfg");
    std::fs::write(&cfg, "").unwrap();
    let out = run(&bin, &["train", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("paddlers-runtime was not found in"), "{err}");
}

#[test]
fn dump_config_runs_where_libtorch_cannot_be_found() {
    let (dir, bin) = lonely_front_end();
    let cfg = dir.path().join("tiny.cfg");
    std::fs::write(
        &cfg,
        "from paddle.trainer_config_helpers import *\n\
         settings(batch_size=8, learning_rate=0.1)\n\
         x = data_layer(name='x', size=4)\n\
         outputs(fc_layer(input=x, size=2, act=SoftmaxActivation()))\n",
    )
    .unwrap();
    let out = run(&bin, &["dump_config", cfg.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.starts_with("type: \"nn\"\n"), "{text}");
    assert!(text.contains("name: \"__fc_layer_0__\""), "{text}");
    assert!(text.contains("active_type: \"softmax\""), "{text}");
    assert!(
        text.contains("output_layer_names: \"__fc_layer_0__\""),
        "{text}"
    );
}

/// (relative path, bytes) of every file under `dir`, or None when it does not exist.
fn tree(dir: &Path) -> Option<Vec<(String, Vec<u8>)>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    dir.is_dir().then(|| {
        let mut out = Vec::new();
        walk(dir, dir, &mut out);
        out.sort();
        out
    })
}

/// `paddlers data cifar10` killed (`kill -9`) at seeded random moments over an existing data
/// directory leaves the old data or the new, each whole, never a mixture; the next conversion
/// removes what the killed one left beside it. `PADDLERS_FAULT_KILLS` sets the number of kills.
#[test]
fn a_killed_conversion_leaves_old_or_new_data_whole() {
    let kills: u64 = std::env::var("PADDLERS_FAULT_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    // A python-batches source of 5 x 1000 training images, from the repository's sample.
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/cifar-10-batches-py");
    let src_dir = tempfile::tempdir().unwrap();
    let src = src_dir.path().join("cifar-10-batches-py");
    std::fs::create_dir(&src).unwrap();
    for b in 1..=5 {
        std::fs::copy(
            sample.join("data_batch_1"),
            src.join(format!("data_batch_{b}")),
        )
        .unwrap();
    }
    for f in ["test_batch", "batches.meta"] {
        std::fs::copy(sample.join(f), src.join(f)).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data");
    let convert = |extra: &[&str]| {
        let mut c = Command::new(paddlers_bin());
        c.args(["data", "cifar10", "--from"])
            .arg(&src)
            .arg("--out")
            .arg(&out)
            .args(extra)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    // The new data (all images) and the old (5 per class), each converted whole into `out`.
    let started = std::time::Instant::now();
    assert!(convert(&[]).status().unwrap().success());
    let span_ms = started.elapsed().as_millis() as u64;
    let new = tree(&out).unwrap();
    let old_flags = ["--per_class=5"];
    assert!(convert(&old_flags).status().unwrap().success());
    let old = tree(&out).unwrap();
    assert_ne!(old, new);

    let mut state = 0x5eed_u64;
    let (mut mid_run, mut files) = (0, 0);
    for trial in 0..kills {
        assert!(convert(&old_flags).status().unwrap().success());
        let mut child = convert(&[]).spawn().unwrap();
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let wait = (state >> 33) % (span_ms + 1);
        std::thread::sleep(std::time::Duration::from_millis(wait));
        mid_run += usize::from(child.try_wait().unwrap().is_none());
        child.kill().unwrap();
        child.wait().unwrap();
        let now = tree(&out).expect("the data directory is never missing");
        files += now.len();
        assert!(
            now == old || now == new,
            "trial {trial}: killed after {wait} ms, the data directory is a mixture"
        );
        assert!(convert(&[]).status().unwrap().success());
        assert_eq!(tree(&out).unwrap(), new);
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["data"], "trial {trial}: temporaries remain");
    }
    println!("conversion faults: {kills} kills ({mid_run} mid-conversion), {files} files checked");
}

fn help(bin: &Path, args: &[&str]) -> String {
    let out = run(bin, args);
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn each_help_is_right_for_its_own_command() {
    let bin = Path::new(paddlers_bin());
    for sub in ["predict", "extract"] {
        let h = help(bin, &[sub, "--help"]);
        assert!(!h.contains("Train on CUDA"), "{sub}: {h}");
        assert!(h.contains("Run on CUDA"), "{sub}: {h}");
        assert!(
            !h.contains("split between them"),
            "{sub} runs one replica: {h}"
        );
        assert!(h.contains("--mean"), "{sub}: {h}");
    }
    assert!(help(bin, &["predict", "--help"]).contains("--output_layer"));
    assert!(!help(bin, &["extract", "--help"]).contains("--output_layer"));
    let test = help(bin, &["test", "--help"]);
    for training_only in [
        "--save_only_one",
        "--dot_period",
        "--test_period",
        "--test_all_data_in_one_period",
        "--show_parameter_stats_period",
        "--checkgrad_eps",
        "--job",
    ] {
        let listed = test
            .lines()
            .any(|l| l.trim_start().starts_with(training_only));
        assert!(!listed, "test --help lists {training_only}");
    }
    for used in [
        "--init_model_path",
        "--save_dir",
        "--start_pass",
        "--num_passes",
    ] {
        assert!(test.contains(used), "test --help lacks {used}");
    }
    let train = help(bin, &["train", "--help"]);
    assert!(train.contains("./output/model"), "{train}");
    assert!(!train.contains("[default: ]"), "{train}");
    let cifar = help(bin, &["data", "cifar10", "--help"]);
    assert!(cifar.contains("--test_per_class"), "{cifar}");
}

#[test]
fn batch_size_is_not_a_flag_and_says_what_to_use() {
    let bin = Path::new(paddlers_bin());
    let out = run(bin, &["train", "--config=m.cfg", "--batch_size=64"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--config_args=batch_size=N"), "{err}");
    // After `--` it is an argument like any other, not intercepted.
    let after = parse_from(
        ["paddlers", "dump_config", "m.cfg", "--", "--batch_size"]
            .map(String::from)
            .to_vec(),
    );
    assert!(!matches!(after, Err(e) if e.to_string().contains("config_args=batch_size")));
}

#[test]
fn completions_for_each_shell_know_every_command() {
    let bin = Path::new(paddlers_bin());
    for shell in ["bash", "zsh", "fish"] {
        let script = help(bin, &["completions", shell]);
        // fish writes flags as `-l name`, bash and zsh as `--name`.
        for word in ["dump_config", "predict", "plot", "output_layer", "use_gpu"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let out = run(bin, &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cli_reference_is_generated_from_the_definitions() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md");
    let want = paddlers::cli::reference::markdown();
    if std::env::var_os("PADDLERS_REGENERATE").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/cli.md differs from the command definitions; regenerate it with \
         PADDLERS_REGENERATE=1 cargo test -p paddlers --test cli_front_end"
    );
    for sub in [
        "## `paddlers predict`",
        "## `paddlers data cifar10`",
        "## `paddlers plot`",
    ] {
        assert!(want.contains(sub), "{sub}");
    }
}

#[test]
fn config_that_is_a_directory_is_named_as_such() {
    // The runtime checks --config; the front end's own commands do too (dump_config).
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        Path::new(paddlers_bin()),
        &["dump_config", dir.path().to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is a directory"), "{err}");
}

/// Pixels clearly darker than the white background in a rectangle of the image.
fn dark_pixels(img: &image::RgbImage, x: u32, y: u32, w: u32, h: u32) -> usize {
    let mut n = 0;
    for yy in y..(y + h).min(img.height()) {
        for xx in x..(x + w).min(img.width()) {
            if img
                .get_pixel(xx, yy)
                .0
                .iter()
                .map(|&c| c as u32)
                .sum::<u32>()
                < 3 * 160
            {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn plot_draws_a_log_of_paddles_own_lines_with_text_on_the_axes() {
    use paddlers_charts::chart::{panel_origin, MARGIN, PANEL_HEIGHT, X_LABEL_AREA, Y_LABEL_AREA};
    let (dir, bin) = lonely_front_end();
    // The tutorial's three lines (TrainerInternal.cpp, Tester.cpp), with glog prefixes on
    // pass 0 and without on pass 1, as the tutorial prints them.
    let log = "\
I1203 10:01:02.000001  1234 TrainerInternal.cpp:165]  Batch=300 samples=38400 AvgCost=2.07708 CurrentCost=1.96158 Eval: classification_error_evaluator=0.81151  CurrentEval: classification_error_evaluator=0.789297
I1203 10:01:03.000001  1234 TrainerInternal.cpp:181]  Pass=0 Batch=391 samples=50000 AvgCost=2.03348 Eval: classification_error_evaluator=0.79958
I1203 10:01:04.000001  1234 Tester.cpp:115]  Test samples=10000 cost=1.99246 Eval: classification_error_evaluator=0.7858
TrainerInternal.cpp:165]  Batch=300 samples=38400 AvgCost=1.6 CurrentCost=1.5 Eval: classification_error_evaluator=0.6  CurrentEval: classification_error_evaluator=0.58
TrainerInternal.cpp:181]  Pass=1 Batch=391 samples=50000 AvgCost=1.55 Eval: classification_error_evaluator=0.57
Tester.cpp:115]  Test samples=10000 cost=1.62 Eval: classification_error_evaluator=0.6
";
    let log_path = dir.path().join("train.log");
    std::fs::write(&log_path, log).unwrap();
    let png = Path::new(env!("CARGO_TARGET_TMPDIR")).join("paddlers_plot.png");
    let out = run(
        &bin,
        &[
            "plot",
            "-i",
            log_path.to_str().unwrap(),
            "-o",
            png.to_str().unwrap(),
            "AvgCost",
            "classification_error_evaluator",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let img = image::open(&png).expect("the plot decodes").to_rgb8();
    assert!(dark_pixels(&img, 0, 0, img.width(), 40) > 50, "title");
    for i in 0..2 {
        let (_, top) = panel_origin(i);
        let y_area = dark_pixels(&img, MARGIN, top + 30, Y_LABEL_AREA - 4, PANEL_HEIGHT - 90);
        let x_area = dark_pixels(
            &img,
            MARGIN + Y_LABEL_AREA + 4,
            top + PANEL_HEIGHT - MARGIN - X_LABEL_AREA + 4,
            img.width() - 2 * MARGIN - Y_LABEL_AREA - 8,
            X_LABEL_AREA - 4,
        );
        assert!(y_area > 40 && x_area > 40, "panel {i}: {y_area}, {x_area}");
    }
    // A key the log does not have is named with the keys it has.
    let out = run(
        &bin,
        &[
            "plot",
            "-i",
            log_path.to_str().unwrap(),
            "-o",
            "/dev/null",
            "auc",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("train.log: no line has the key 'auc'; the log has: cost, classification_error_evaluator"),
        "{err}"
    );
}
