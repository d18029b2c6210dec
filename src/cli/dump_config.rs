//! `paddlers dump_config CONFIG [CONFIG_ARGS] [--whole]`, as `python -m paddle.utils.dump_config`:
//! the parsed ModelConfig (or with `--whole` the TrainerConfig) as protobuf text on stdout.

use super::args::DumpConfigArgs;
use crate::graph::protostr;
use crate::helpers::parse_config_seeded;
use std::io::Write;

pub fn run(args: &DumpConfigArgs) -> anyhow::Result<()> {
    if args.config.is_dir() {
        anyhow::bail!(
            "{}: is a directory; name the config file in it",
            args.config.display()
        );
    }
    let trainer = parse_config_seeded(&args.config, &args.config_args, args.seed)?;
    let text = if args.whole {
        protostr::trainer_config_text(&trainer)
    } else {
        protostr::model_config_text(&trainer.model_config)
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
