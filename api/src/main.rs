use std::process::ExitCode;

// The server allocates many small, short-lived values per request on two or more threads;
// mimalloc serves those with far less contention than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    maatwerk_api::cli::run().await
}
