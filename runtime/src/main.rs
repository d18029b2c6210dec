fn main() {
    paddlers_runtime::cuda::load_cuda_backend();
    println!("cuda devices: {}", paddlers_runtime::cuda::device_count());
}
