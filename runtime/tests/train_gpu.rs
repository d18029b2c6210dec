//! `--use_gpu` with `--trainer_count=2`: on a machine with CUDA, the copies run on GPUs
//! `gpu_id + i` (sharing, with a warning, when there are fewer) and take the step a CPU run
//! takes. Without a usable GPU this test says so and checks nothing else.

mod train_support;

use train_support::*;

/// One batch of the whole sample, compared on the update (as train_trainer_count.rs does).
/// Tolerance 2e-2 of the largest update: cuDNN may run convolutions in TF32 on recent GPUs
/// (10-bit mantissa, ~5e-4 relative per product), and picks other summation orders than the
/// CPU. A replica's gradient lost or counted twice is off by 0.5 or 1.0.
#[test]
fn two_gpu_trainers_take_the_cpu_step() {
    paddlers_runtime::cuda::load_cuda_backend();
    let gpus = paddlers_runtime::cuda::device_count();
    if gpus == 0 {
        eprintln!("skipped: no usable CUDA device on this machine");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (init, cpu, gpu) = (
        dir.path().join("init"),
        dir.path().join("cpu"),
        dir.path().join("gpu"),
    );
    let args = |lr: &str| format!("--config_args=batch_size=1000,batch_norm=0,l2=0,lr={lr}");
    let (frozen, step) = (args("0"), args("0.01"));
    train(&init, &["--num_passes=1", &frozen]);
    train(&cpu, &["--num_passes=1", &step]);
    let log = train(
        &gpu,
        &[
            "--num_passes=1",
            "--use_gpu=true",
            "--trainer_count=2",
            &step,
        ],
    );
    if gpus < 2 {
        assert!(log.contains("trainers share GPUs"), "{log}");
    }
    let (diff, moved) = max_update_diff(
        &init.join("pass-00000"),
        &cpu.join("pass-00000"),
        &gpu.join("pass-00000"),
    );
    assert!(
        moved > 1e-6,
        "the step moved no parameter (largest update {moved})"
    );
    assert!(
        diff < 2e-2,
        "GPU and CPU updates differ by {diff} of the update"
    );
}
