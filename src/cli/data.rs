//! `paddlers data cifar10 --from SRC --out DIR`: the tutorial's get_data.sh without the
//! download; `paddlers data images --from DIR --out DIR`: class folders to image lists. The
//! conversions themselves live in the providers crate.

use anyhow::Context;
use paddlers_providers::cifar_convert::{self, ConvertOptions};
use paddlers_providers::image_folders::{self, ImageFoldersOptions};

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
        DataCommand::Images(c) => {
            let opts = ImageFoldersOptions {
                from: c.from.clone(),
                out: c.out.clone(),
                test_ratio: c.test_ratio,
                seed: c.seed,
            };
            let report = image_folders::run(&opts)
                .with_context(|| format!("converting {} to image lists", c.from.display()))?;
            eprint!("{report}");
            Ok(())
        }
    }
}
