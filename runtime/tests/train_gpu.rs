//! `--use_gpu` with `--trainer_count=2`: on a machine with CUDA, the copies run on GPUs
//! `gpu_id + i` (sharing, with a warning, when there are fewer) and reach the parameters of a
//! CPU run. Without a usable GPU this test says so and checks nothing else.

mod train_support;

use train_support::*;

#[test]
fn two_gpu_trainers_match_the_cpu() {
    paddlers_runtime::cuda::load_cuda_backend();
    let gpus = paddlers_runtime::cuda::device_count();
    if gpus == 0 {
        eprintln!("skipped: no usable CUDA device on this machine");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cpu, gpu) = (dir.path().join("cpu"), dir.path().join("gpu"));
    let common = [
        "--num_passes=1",
        "--config_args=batch_size=100,batch_norm=0,lr=0.0005",
        "--log_period=100",
    ];
    train(&cpu, &common);
    let mut g = vec!["--use_gpu=true", "--trainer_count=2"];
    g.extend_from_slice(&common);
    let log = train(&gpu, &g);
    if gpus < 2 {
        assert!(log.contains("trainers share GPUs"), "{log}");
    }
    let diff = max_param_diff(&cpu.join("pass-00000"), &gpu.join("pass-00000"));
    // cuDNN and CPU kernels round differently; the runs still agree closely.
    assert!(
        diff < 1e-3,
        "GPU and CPU parameters differ by {diff} (relative)"
    );
}
