//! `paddlers data cifar10 --from SRC --out DIR`: the tutorial's get_data.sh without the
//! download. The conversion itself lives in the providers crate.

use anyhow::Context;
use paddlers_providers::cifar_convert::{self, ConvertOptions};

use super::args::{DataArgs, DataCommand};

pub fn run(args: &DataArgs) -> anyhow::Result<()> {
    match &args.dataset {
        DataCommand::Cifar10(c) => {
            let opts = ConvertOptions {
                from: c.from.clone(),
                out: c.out.clone(),
                per_class: c.per_class,
                test_per_class: c.test_per_class,
            };
            let report = cifar_convert::run(&opts)
                .with_context(|| format!("converting {} to CIFAR-10 batches", c.from.display()))?;
            eprint!("{report}");
            Ok(())
        }
    }
}
