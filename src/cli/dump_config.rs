//! `paddlers dump_config CONFIG [CONFIG_ARGS] [--whole]`.

use super::args::DumpConfigArgs;

pub fn run(args: &DumpConfigArgs) -> anyhow::Result<()> {
    anyhow::bail!(
        "{}: dump_config is not wired to the config parser yet",
        args.config.display()
    )
}
