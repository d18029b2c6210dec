//! Where this process sits among several: torchrun's environment (RANK, WORLD_SIZE,
//! MASTER_ADDR, MASTER_PORT, LOCAL_RANK), set by `torchrun --no-python` and by
//! `paddlers launch`, or Paddle's cluster flags (`--trainer_id`, `--num_gradient_servers`,
//! `--pservers`, `--port`) mapped onto it. The environment wins where both are given.

use std::time::Duration;

use anyhow::{anyhow, bail};
use paddlers::cli::args::ClusterArgs;
use paddlers_runtime::train::process_group::{self, ClusterSpec};

/// None for one process; an error for a combination that cannot work.
pub fn resolve(
    flags: &ClusterArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<ClusterSpec>> {
    let int = |name: &str| -> anyhow::Result<Option<i64>> {
        match env(name) {
            None => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
                anyhow!("the environment variable {name}={v:?} is not a whole number")
            }),
        }
    };
    let world = match int("WORLD_SIZE")? {
        Some(w) => w,
        None => i64::from(flags.num_gradient_servers),
    };
    if world < 1 {
        bail!(
            "a world of {world} trainers (WORLD_SIZE or --num_gradient_servers) must be at least 1"
        );
    }
    if world == 1 {
        return Ok(None);
    }
    let rank = match int("RANK")? {
        Some(r) => r,
        None => i64::from(flags.trainer_id),
    };
    if !(0..world).contains(&rank) {
        bail!(
            "rank {rank} (RANK or --trainer_id) must be between 0 and {}",
            world - 1
        );
    }
    let master_addr = match env("MASTER_ADDR") {
        Some(a) if !a.is_empty() => a,
        _ => pserver_host(&flags.pservers)?,
    };
    let master_port = match int("MASTER_PORT")? {
        Some(p) => p,
        None => i64::from(flags.port),
    };
    let master_port = u16::try_from(master_port)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| anyhow!("port {master_port} (MASTER_PORT or --port) is not a TCP port"))?;
    if flags.dist_timeout == 0 {
        bail!("--dist_timeout=0: must be at least 1 second");
    }
    if !process_group::AVAILABLE {
        return Err(process_group::unsupported(world as usize).into());
    }
    let local_rank = int("LOCAL_RANK")?.unwrap_or(rank).max(0) as usize;
    Ok(Some(ClusterSpec {
        rank: rank as usize,
        world_size: world as usize,
        local_rank,
        master_addr,
        master_port,
        timeout: Duration::from_secs(flags.dist_timeout),
        agent_store: env("TORCHELASTIC_USE_AGENT_STORE").as_deref() == Some("True"),
    }))
}

/// `--pservers`: paddlers runs no parameter servers, so one host is where trainer 0 serves
/// the rendezvous; a list of servers has no meaning here.
fn pserver_host(pservers: &str) -> anyhow::Result<String> {
    let hosts: Vec<&str> = pservers
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    match hosts.as_slice() {
        [] => Ok("127.0.0.1".into()),
        [one] => Ok(one.to_string()),
        _ => bail!(
            "--pservers={pservers}: paddlers has no parameter servers; the trainers sum \
             gradients among themselves and meet at one address, where trainer 0 runs. Give \
             that one host (--pservers=HOST or MASTER_ADDR=HOST)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn flags() -> ClusterArgs {
        ClusterArgs {
            trainer_id: 0,
            num_gradient_servers: 1,
            pservers: String::new(),
            port: 20134,
            dist_timeout: 300,
        }
    }

    fn with(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn one_process_without_environment_or_flags() {
        assert_eq!(resolve(&flags(), &with(&[])).unwrap(), None);
        assert_eq!(
            resolve(&flags(), &with(&[("WORLD_SIZE", "1")])).unwrap(),
            None
        );
    }

    #[test]
    fn bad_values_are_errors() {
        let e = resolve(&flags(), &with(&[("WORLD_SIZE", "two")])).unwrap_err();
        assert!(e.to_string().contains("WORLD_SIZE"), "{e}");
        let e = resolve(&flags(), &with(&[("WORLD_SIZE", "2"), ("RANK", "2")])).unwrap_err();
        assert!(e.to_string().contains("between 0 and 1"), "{e}");
        let mut f = flags();
        f.num_gradient_servers = 2;
        f.pservers = "a,b".into();
        let e = resolve(&f, &with(&[])).unwrap_err();
        assert!(e.to_string().contains("no parameter servers"), "{e}");
        let e = resolve(
            &flags(),
            &with(&[("WORLD_SIZE", "2"), ("MASTER_PORT", "70000")]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("not a TCP port"), "{e}");
    }

    #[test]
    fn environment_and_paddle_flags_map_alike() {
        let env = with(&[
            ("WORLD_SIZE", "3"),
            ("RANK", "2"),
            ("LOCAL_RANK", "2"),
            ("MASTER_ADDR", "127.0.0.1"),
            ("MASTER_PORT", "29400"),
        ]);
        let mut f = flags();
        f.num_gradient_servers = 3;
        f.trainer_id = 2;
        f.pservers = "127.0.0.1".into();
        f.port = 29400;
        let from_env = resolve(&flags(), &env);
        let from_flags = resolve(&f, &with(&[]));
        if process_group::AVAILABLE {
            let s = from_env.unwrap().unwrap();
            assert_eq!((s.rank, s.world_size, s.master_port), (2, 3, 29400));
            assert_eq!(Some(s), from_flags.unwrap());
        } else {
            let e = from_env.unwrap_err().to_string();
            assert!(e.contains("built without distributed support"), "{e}");
            assert!(from_flags.is_err());
        }
    }
}
