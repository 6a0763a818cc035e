//! `cargo run --release -- run`: every perflab command on this crate's kernels.
#[global_allocator]
static ALLOC: perflab::Allocator = perflab::Allocator::new();

fn main() -> std::process::ExitCode {
    perflab::main(own_kernels::register)
}
