use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    maatwerk_api::cli::run().await
}
