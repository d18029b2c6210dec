//! The command line, defined once and shared: the `paddlers` front end parses it for `--help`,
//! validation, and the commands that need no libtorch; `paddlers-runtime` parses the same
//! definitions for the commands that compute. Flag names and defaults are Paddle's
//! (`paddle/utils/Flags.cpp`, `paddle/trainer/Trainer.cpp`).

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use super::flags::bool_value;

/// Every boolean flag, so that Paddle's `--flag`, `--flag true` and `--flag=1` forms all work.
pub const BOOL_FLAGS: &[&str] = &[
    "use_gpu",
    "save_only_one",
    "test_all_data_in_one_period",
    "local",
    "whole",
    "is_predict",
];

#[derive(Debug, Parser)]
#[command(
    name = "paddlers",
    version,
    about = "Run PaddlePaddle v1 trainer configs unchanged, on libtorch, with no Python.",
    long_about = "Run PaddlePaddle v1 trainer configs unchanged, on libtorch, with no Python.\n\n\
        Boolean flags take Paddle's forms: --use_gpu=true, --use_gpu true, --use_gpu alone, \
        --use_gpu=1/0, --nouse_gpu.",
    rename_all = "snake_case"
)]
pub struct Cli {
    /// More log output (-v: debug, -vv: trace). Overrides --log_level.
    #[arg(short = 'v', action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Log level for messages on stderr.
    #[arg(long = "log_level", value_enum, default_value_t = LogLevel::Info, global = true)]
    pub log_level: LogLevel,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

#[derive(Debug, Subcommand)]
#[command(rename_all = "snake_case")]
pub enum Command {
    /// Train a model (`paddle train`): --job=train (default), test or checkgrad.
    Train(TrainArgs),
    /// Evaluate saved models on the config's test data (`paddle train --job=test`): the
    /// passes --start_pass..--num_passes in --save_dir, or --init_model_path alone.
    #[command(
        mut_arg("job", |a| a.hide(true)),
        mut_arg("save_only_one", |a| a.hide(true)),
        mut_arg("log_period", |a| a.hide(true)),
        mut_arg("dot_period", |a| a.hide(true)),
        mut_arg("test_period", |a| a.hide(true)),
        mut_arg("test_all_data_in_one_period", |a| a.hide(true)),
        mut_arg("show_parameter_stats_period", |a| a.hide(true)),
        mut_arg("checkgrad_eps", |a| a.hide(true)),
        mut_arg("num_passes", |a| a.help("Test the passes before this one")),
        mut_arg("start_pass", |a| a.help("The first pass to test (save_dir/pass-%05d)")),
        mut_arg("save_dir", |a| a.help(
            "Where the pass-%05d directories to test are [default: the config's save_dir, \
             else ./output/model]")),
        mut_arg("saving_period", |a| a.help("Test every this many passes, as they were saved")),
        mut_arg("trainer_count", |a| a.help(
            "Number of model replicas; each test batch is split between them")),
        mut_arg("init_model_path", |a| a.help(
            "Test only this pass directory, instead of --save_dir's passes")),
        mut_arg("seed", |a| a.help("Random seed for the test data's order and the config's random module")),
    )]
    Test(TrainArgs),
    /// Print the graph a config builds, as Paddle's protobuf text
    /// (`python -m paddle.utils.dump_config`).
    DumpConfig(DumpConfigArgs),
    /// Classify inputs with a trained model (the tutorial's `classify.py --job=predict`).
    Predict(PredictArgs),
    /// Save a layer's output for inputs (the tutorial's `classify.py --job=extract`).
    Extract(ExtractArgs),
    /// Prepare data sets (the tutorial's `get_data.sh`, without the download).
    Data(DataArgs),
    /// Draw training curves from a log, paddlers' or Paddle's own
    /// (`python -m paddle.utils.plotcurve -i train.log -o plot.png [keys]`).
    Plot(PlotArgs),
    /// Print a shell completion script: `paddlers completions bash > /etc/bash_completion.d/paddlers`.
    Completions(CompletionsArgs),
    /// Start the ranks of a distributed run on this machine, as torchrun does:
    /// `paddlers launch --nproc_per_node=2 train --config=...`.
    Launch(LaunchArgs),
    /// Print the paddlers and libtorch versions, and whether CUDA and cuDNN are usable.
    Version,
}

#[derive(Debug, Clone, Args)]
#[command(rename_all = "snake_case")]
pub struct LaunchArgs {
    /// Ranks (processes) to start on this machine.
    #[arg(long, default_value_t = 1)]
    pub nproc_per_node: u32,
    /// Machines taking part; each runs `paddlers launch` with its own --node_rank.
    #[arg(long, default_value_t = 1)]
    pub nnodes: u32,
    /// This machine's place, 0 .. nnodes-1; its ranks are node_rank*nproc_per_node onwards.
    #[arg(long, default_value_t = 0)]
    pub node_rank: u32,
    /// The address of node 0, where rank 0 serves the rendezvous.
    #[arg(long, default_value = "127.0.0.1")]
    pub master_addr: String,
    /// The port of the rendezvous on --master_addr.
    #[arg(long, default_value_t = 29500)]
    pub master_port: u16,
    /// Where rank-<r>.log go [default: the command's --save_dir, else ./output/model].
    #[arg(long, default_value = "", hide_default_value = true)]
    pub log_dir: String,
    /// The training command, after the launcher's own flags: train --config=... [flags].
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

impl Command {
    /// Commands that run on libtorch, and so are handed to `paddlers-runtime`.
    /// The device flags of a command that computes, if it has any.
    pub fn device(&self) -> Option<&DeviceArgs> {
        match self {
            Command::Train(a) | Command::Test(a) => Some(&a.device),
            Command::Predict(a) => Some(&a.device),
            Command::Extract(a) => Some(&a.predict.device),
            _ => None,
        }
    }

    pub fn needs_libtorch(&self) -> bool {
        matches!(
            self,
            Command::Train(_)
                | Command::Test(_)
                | Command::Predict(_)
                | Command::Extract(_)
                | Command::Version
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Job {
    /// Train for --num_passes passes.
    Train,
    /// Test a model (from --init_model_path) on the test data.
    Test,
    /// Compare analytic gradients with finite differences for every parameter.
    Checkgrad,
}

/// Device and parallelism flags shared by every command that computes.
#[derive(Debug, Clone, Args)]
#[command(rename_all = "snake_case")]
pub struct DeviceArgs {
    /// Run on CUDA. Fails with an explanation when no usable GPU is found.
    #[arg(long, action = ArgAction::Set, value_parser = bool_value, default_value = "false", value_name = "BOOL")]
    pub use_gpu: bool,
    /// The first GPU to use; replica i of --trainer_count runs on gpu_id+i.
    #[arg(long, default_value_t = 0)]
    pub gpu_id: i32,
    /// Number of model replicas; each batch is split between them and gradients are summed.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i32).range(1..))]
    pub trainer_count: i32,
    /// Random seed for parameter initialization, shuffling, dropout and the config's `random`.
    #[arg(long, default_value_t = 1)]
    pub seed: i64,
}

#[derive(Debug, Clone, Args)]
#[command(rename_all = "snake_case")]
pub struct TrainArgs {
    /// The trainer config file (Python 2 trainer_config_helpers code).
    #[arg(long)]
    pub config: PathBuf,
    /// Arguments for get_config_arg(), as `name1=value1,name2=value2`.
    #[arg(long, default_value = "", hide_default_value = true)]
    pub config_args: String,
    #[command(flatten)]
    pub device: DeviceArgs,
    /// What to do: train, test or checkgrad.
    #[arg(long, value_enum, default_value_t = Job::Train)]
    pub job: Job,
    /// Number of passes over the training data.
    #[arg(long, default_value_t = 100)]
    pub num_passes: i32,
    /// Start training from this pass (loads save_dir/pass-%05d of the pass before it).
    #[arg(long, default_value_t = 0)]
    pub start_pass: i32,
    /// Directory of initial parameters (a pass-%05d directory). Overrides --start_pass loading.
    #[arg(long, default_value = "", hide_default_value = true)]
    pub init_model_path: String,
    /// Directory to save parameters into, as save_dir/pass-%05d [default: the config's
    /// save_dir, else ./output/model, as Paddle].
    #[arg(long, default_value = "", hide_default_value = true)]
    pub save_dir: String,
    /// Save parameters every this many passes.
    #[arg(long, default_value_t = 1)]
    pub saving_period: i32,
    /// Keep only the newest pass directory.
    #[arg(long, action = ArgAction::Set, value_parser = bool_value, default_value = "false", value_name = "BOOL")]
    pub save_only_one: bool,
    /// Log the Batch line every this many batches.
    #[arg(long, default_value_t = 100)]
    pub log_period: i32,
    /// Print a dot every this many batches between Batch lines.
    #[arg(long, default_value_t = 1)]
    pub dot_period: i32,
    /// Test every this many batches (0: test once after each pass).
    #[arg(long, default_value_t = 0)]
    pub test_period: i32,
    /// Test on all test data at each test, not only one batch's worth.
    #[arg(long, action = ArgAction::Set, value_parser = bool_value, default_value = "false", value_name = "BOOL")]
    pub test_all_data_in_one_period: bool,
    /// Print parameter statistics every this many batches (0: never).
    #[arg(long, default_value_t = 0)]
    pub show_parameter_stats_period: i32,
    /// Train locally (accepted for compatibility; paddlers has no parameter server).
    #[arg(long, action = ArgAction::Set, value_parser = bool_value, default_value = "true", value_name = "BOOL")]
    pub local: bool,
    /// Step size of the finite differences in --job=checkgrad.
    #[arg(long, default_value_t = 1e-5)]
    pub checkgrad_eps: f64,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// Paddle's cluster flags, mapped onto torchrun's convention (RANK, WORLD_SIZE, MASTER_ADDR,
/// MASTER_PORT), which wins when set. paddlers has no parameter server: the ranks meet at
/// rank 0's address and sum gradients among themselves (c10d Gloo).
#[derive(Debug, Clone, Args)]
#[command(rename_all = "snake_case")]
pub struct ClusterArgs {
    /// This trainer's rank, 0 .. num_gradient_servers-1 (torchrun: RANK).
    #[arg(long, default_value_t = 0)]
    pub trainer_id: i32,
    /// Number of trainers (processes) training together (torchrun: WORLD_SIZE).
    #[arg(long, default_value_t = 1)]
    pub num_gradient_servers: i32,
    /// The address the trainers meet at: one host, where trainer 0 runs (torchrun:
    /// MASTER_ADDR). paddlers runs no parameter servers.
    #[arg(long, default_value = "", hide_default_value = true)]
    pub pservers: String,
    /// The port the trainers meet at, on the --pservers host (torchrun: MASTER_PORT).
    #[arg(long, default_value_t = 20134)]
    pub port: i32,
    /// Seconds a trainer waits for the others (rendezvous and each collective) before it stops
    /// with an error.
    #[arg(long, default_value_t = 300)]
    pub dist_timeout: u64,
}

#[derive(Debug, Clone, Args)]
#[command(rename_all = "snake_case")]
pub struct DumpConfigArgs {
    /// The config file.
    pub config: PathBuf,
    /// Arguments for get_config_arg(), as `name1=value1,name2=value2`.
    #[arg(default_value = "")]
    pub config_args: String,
    /// Print the whole TrainerConfig, not only the ModelConfig.
    #[arg(long, action = ArgAction::Set, value_parser = bool_value, default_value = "false", value_name = "BOOL")]
    pub whole: bool,
    /// The trainer's --seed, which the config's `import random` starts from (0 is an
    /// ordinary seed here, not the clock): the graph the trainer builds with that seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Clone, Args)]
#[command(
    rename_all = "snake_case",
    mut_arg("trainer_count", |a| a.help(
        "Accepted for compatibility; prediction runs one replica")),
    mut_arg("seed", |a| a.help(
        "Seed of the config's random module: use the training run's, so the graph is the same")),
    mut_arg("gpu_id", |a| a.help("The GPU to run on")),
)]
pub struct PredictArgs {
    /// The model config (its prediction branch is chosen with `is_predict=1`; a config
    /// without one runs up to its output layer).
    #[arg(long)]
    pub config: PathBuf,
    /// Arguments for get_config_arg(), as `name1=value1,name2=value2`; `is_predict=1` is
    /// added.
    #[arg(long, default_value = "", hide_default_value = true)]
    pub config_args: String,
    /// The trained parameters: a pass-%05d directory.
    #[arg(long)]
    pub model: PathBuf,
    /// Images to classify (PNG or JPEG), or file lists: one image per line, Paddle's
    /// `path label` lines too (then the accuracy is reported). Relative paths in a list are
    /// taken from the list's directory, then from the working directory.
    #[arg(long, required = true, num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// Mean file subtracted from inputs [default: the mean_path of the config's
    /// define_py_data_sources2(args=...), found from the config's directory upwards]. The path
    /// used is logged.
    #[arg(long)]
    pub mean: Option<PathBuf>,
    /// The layer whose arg-max is the label [default: the config's output layer; for a
    /// config without an is_predict branch, the input of its cost layer].
    #[arg(long)]
    pub output_layer: Option<String>,
    #[command(flatten)]
    pub device: DeviceArgs,
}

#[derive(Debug, Clone, Args)]
#[command(rename_all = "snake_case", mut_arg("output_layer", |a| a.hide(true)))]
pub struct ExtractArgs {
    #[command(flatten)]
    pub predict: PredictArgs,
    /// The layer whose output to save (default: the first convolution).
    #[arg(long)]
    pub layer: Option<String>,
    /// Where to write the features (a .npy file; a PNG grid of feature maps is written beside it).
    #[arg(long, default_value = "features.npy")]
    pub output: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    #[command(subcommand)]
    pub dataset: DataCommand,
}

#[derive(Debug, Clone, Subcommand)]
#[command(rename_all = "snake_case")]
pub enum DataCommand {
    /// Write CIFAR-10 in the official python layout, with train.list, test.list and mean.meta.
    Cifar10(Cifar10Args),
    /// Write image lists (train.list, test.list: `path label` lines; labels.txt) for the
    /// image_list provider from class folders: train/<class>/*.jpg and test/<class>/*.jpg, or
    /// one tree <class>/*.jpg split by --test_ratio.
    Images(ImagesArgs),
}

#[derive(Debug, Clone, Args)]
#[command(rename_all = "snake_case")]
pub struct ImagesArgs {
    /// train/<class>/ and test/<class>/ folders, or one tree of <class>/ folders. The lists
    /// name images by this path, so a relative one resolves from where training runs.
    #[arg(long)]
    pub from: PathBuf,
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// For a single tree: the share of each class held out for testing (default 0.1).
    #[arg(long)]
    pub test_ratio: Option<f64>,
    /// Seed of the single tree's split.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Clone, Args)]
#[command(rename_all = "snake_case")]
pub struct Cifar10Args {
    /// cifar-10-python.tar.gz, an unpacked cifar-10-batches-py/, or an image tree
    /// train/<class>/*.jpg and test/<class>/*.jpg.
    #[arg(long)]
    pub from: PathBuf,
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Keep only this many training images per class [default: all].
    #[arg(long)]
    pub per_class: Option<usize>,
    /// Keep only this many test images per class [default: all, or a fifth of --per_class
    /// when that is given].
    #[arg(long)]
    pub test_per_class: Option<usize>,
}

#[derive(Debug, Clone, Args)]
#[command(rename_all = "snake_case")]
pub struct PlotArgs {
    /// The training log (stderr of `paddlers train` or `paddle train`) [default: standard
    /// input].
    #[arg(short = 'i', long)]
    pub input: Option<PathBuf>,
    /// The PNG to write [default: standard output].
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// The figure's format; only png is drawn.
    #[arg(long, value_parser = ["png"])]
    pub format: Option<String>,
    /// Keys to draw, one panel each, train and test curves [default: the cost and every
    /// evaluator in the log]. `AvgCost` and `cost` both name the cost.
    pub keys: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Flags people try that paddlers (like Paddle) does not have, with what to do instead.
const NOT_FLAGS: &[(&str, &str)] = &[(
    "--batch_size",
    "the batch size is the config's settings(batch_size=...), not a flag (nor in Paddle); \
     for a config that reads get_config_arg('batch_size', int, ...), pass \
     --config_args=batch_size=N",
)];

/// Parses a full argument vector (program name first), accepting Paddle's boolean forms.
pub fn parse_from(args: Vec<String>) -> Result<Cli, clap::Error> {
    for a in args.iter().skip(1).take_while(|a| *a != "--") {
        for (flag, hint) in NOT_FLAGS {
            let name = a.split('=').next().unwrap_or(a);
            if name == *flag {
                return Err(clap::Error::raw(
                    clap::error::ErrorKind::UnknownArgument,
                    format!("unexpected argument '{a}': {hint}\n"),
                ));
            }
        }
    }
    Cli::try_parse_from(super::flags::normalize_bool_flags(args, BOOL_FLAGS))
}
