//! `maatwerk-bench`: measures the Maatwerk server on synthetic data. It generates the data
//! into an empty database of its own, starts the real server in this process and drives it
//! over loopback HTTP with concurrent clients; see BENCHMARKS.md.
//!
//! A tool, not part of the product: no product crate depends on this one, and the product
//! offers it nothing it does not offer any other client of `persistence` and `api`.

mod database;
mod generate;
mod run;
mod server_metrics;
mod statements;

use std::path::PathBuf;
use std::process::ExitCode;

use api::cli;
use clap::Parser;

use run::BenchOptions;

// As in the `maatwerk` binary: the server measured here allocates as it does there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PROGRAM: &str = "maatwerk-bench";

#[derive(Parser)]
#[command(
    name = "maatwerk-bench",
    version,
    about = "Measure the Maatwerk server on synthetic data: generate it into an empty database, \
then drive the real server over HTTP with concurrent clients",
    after_help = "The server is configured as `maatwerk serve` is: defaults, then `maatwerk.toml` \
(or --config), then MAATWERK_* variables; its address, database, metrics address and rate \
limits are the benchmark's own."
)]
struct Cli {
    /// Settings file (TOML); `maatwerk.toml` in the working directory is read when present.
    #[arg(long)]
    config: Option<PathBuf>,
    /// How many cases to generate, with about twenty items each.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    cases: u64,
    /// Concurrent clients, each signed in as a different professional.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=256))]
    clients: u64,
    /// How many professionals to spread the cases over (by default one per six cases, about
    /// twenty-five cases each, at least three per organisation); fewer means larger caseloads.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    professionals: Option<u64>,
    /// How long each scenario runs, in seconds.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
    seconds: u64,
    /// An empty database to generate into (`sqlite://…` or `postgres://…`); by default a
    /// temporary SQLite file, removed afterwards.
    #[arg(long)]
    database_url: Option<String>,
    /// Measure on the data an earlier run generated into --database-url instead of
    /// generating (the data of a million cases takes many minutes to write).
    #[arg(long, requires = "database_url")]
    reuse: bool,
    /// Seed for the synthetic data and the choice of professionals.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match cli::load_settings(PROGRAM, cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let count = |count: u64| usize::try_from(count).unwrap_or(usize::MAX);
    let options = BenchOptions {
        cases: count(cli.cases),
        clients: count(cli.clients),
        professionals: cli.professionals.map(count),
        seconds: cli.seconds,
        database_url: cli.database_url,
        reuse: cli.reuse,
        seed: cli.seed,
    };
    match run::run(settings, options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => cli::fail_as(PROGRAM, "benchmark failed", &error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn reuse_needs_a_database() {
        assert!(Cli::try_parse_from(["maatwerk-bench", "--reuse"]).is_err());
        assert!(
            Cli::try_parse_from(["maatwerk-bench", "--reuse", "--database-url", "sqlite://x"])
                .is_ok()
        );
    }
}
