//! The `maatwerk` command.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use persistence::Store;

use crate::audit::{self, Checkpoints};
use crate::import::{self, ImportKind, ImportOptions, Progress};
use crate::settings::Settings;
use crate::token::{self, TokenFor};
use crate::{Application, demo, graphql, shutdown_signal, telemetry};

pub use crate::invocation::program;

#[derive(Parser)]
#[command(
    name = "maatwerk",
    version,
    about = "The shared-case platform for the Amsterdamse Maatwerk Methode",
    after_help = "Settings come from defaults, then `maatwerk.toml` (or --config), then the \
environment: DATABASE_URL (`sqlite://FILE?mode=rwc` or `postgres://…`) and MAATWERK_* \
variables, nested keys joined with `__` (MAATWERK_LIMITS__DEPTH=10). Without DATABASE_URL the \
database is the SQLite file `maatwerk.db` in the working directory; `serve`, `migrate` and \
`demo` create it, the other commands need it to exist."
)]
struct Cli {
    /// Settings file (TOML); `maatwerk.toml` in the working directory is read when present.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the GraphQL server.
    Serve {
        /// Address to listen on.
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Load the demo data into an empty database and print a token to try it with.
        #[arg(long)]
        demo: bool,
        /// Apply pending migrations first (always done on SQLite).
        #[arg(long)]
        migrate: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Load the demo data into an empty database.
    Demo,
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Print a signed token for a demo identity.
    Token(TokenArgs),
    /// Import case openings or agreement statuses from a CSV or JSON Lines file, acting as
    /// one professional of the organisation. Exits with status 1 when a row was refused.
    Import(ImportArgs),
    /// Check the access log, or sign a checkpoint of it.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk every municipality's hash chain and report the first broken link; exits with
    /// status 1 when one is found.
    Verify {
        /// Also check the chains against signed checkpoints (`checkpoints.jsonl`, or the
        /// directory holding it), so that a chain cut short or rewritten is named.
        #[arg(long)]
        checkpoints: Option<std::path::PathBuf>,
    },
    /// Sign the head of every chain now and append it to the checkpoint file (`maatwerk
    /// serve` also does so every `audit.checkpoint_interval_seconds`).
    Checkpoint,
}

#[derive(Args)]
struct ImportArgs {
    /// What the file holds.
    kind: ImportKind,
    /// A `.csv` file with a header line, or a `.jsonl` file; README lists the columns.
    file: std::path::PathBuf,
    /// The importing organisation's slug.
    #[arg(long)]
    org: String,
    /// The professional the import acts as: their subject at the organisation's identity
    /// provider, as they signed in before (for the demo, their sign-in name).
    #[arg(long)]
    person: String,
    /// Check every row, against the same rules and policy as the API, and write nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Args)]
#[group(required = true, multiple = false, id = "who")]
struct TokenChoice {
    /// List the demo identities.
    #[arg(long)]
    list: bool,
    /// A professional of this organisation (with --person).
    #[arg(long, requires = "person")]
    org: Option<String>,
    /// A resident, by their demo sign-in name.
    #[arg(long)]
    resident: Option<String>,
    /// An organisation's integration (with --scopes).
    #[arg(long)]
    service: Option<String>,
    /// The platform operator.
    #[arg(long)]
    platform_admin: bool,
}

#[derive(Args)]
struct TokenArgs {
    #[command(flatten)]
    who: TokenChoice,
    /// The professional's demo sign-in name.
    #[arg(long, requires = "org")]
    person: Option<String>,
    /// Roles to claim instead of the person's own, comma separated.
    #[arg(long, value_delimiter = ',', requires = "org")]
    roles: Option<Vec<String>>,
    /// Scopes for a service token, comma separated.
    #[arg(long, value_delimiter = ',', requires = "service")]
    scopes: Vec<String>,
    /// How long the token is valid.
    #[arg(long, default_value_t = 480)]
    lifetime_minutes: i64,
}

fn fail(message: &str, error: &(dyn std::error::Error + 'static)) -> ExitCode {
    fail_as("maatwerk", message, error)
}

/// Prints `message` with `error` and its chain of causes as `program: …`, and fails; for each
/// command built on this crate (`maatwerk`, and the benchmark's `maatwerk-bench`).
pub fn fail_as(
    program: &str,
    message: &str,
    error: &(dyn std::error::Error + 'static),
) -> ExitCode {
    let mut text = format!("{message}: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    eprintln!("{program}: {text}");
    ExitCode::FAILURE
}

/// The settings as each command built on this crate reads them: defaults, then `config` (or
/// `maatwerk.toml`), then the environment. Warnings are printed as `program: warning: …`;
/// invalid settings fail the command.
pub fn load_settings(
    program: &str,
    config: Option<&std::path::Path>,
) -> Result<Settings, ExitCode> {
    match Settings::load(config) {
        Ok((settings, warnings)) => {
            for warning in warnings {
                eprintln!("{program}: warning: {warning}");
            }
            Ok(settings)
        }
        Err(error) => Err(fail_as(program, "invalid settings", error.as_ref())),
    }
}

pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    let settings = match load_settings("maatwerk", cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    match cli.command {
        Command::Schema => {
            print!("{}", graphql::sdl());
            ExitCode::SUCCESS
        }
        Command::Serve {
            listen,
            demo,
            migrate,
        } => {
            let telemetry = match telemetry::init(&settings.log_format, demo, &settings.traces) {
                Ok(telemetry) => telemetry,
                Err(error) => return fail("trace export unavailable", &error),
            };
            let mut settings = settings;
            if let Some(listen) = listen {
                settings.listen = listen;
            }
            settings.migrate |= migrate;
            settings.demo = demo;
            let code = serve(settings, demo).await;
            // Sends the spans still queued before the process ends.
            drop(telemetry);
            code
        }
        Command::Migrate => match connect(&settings).await {
            Ok(store) => match store.migrate().await {
                Ok(()) => {
                    println!("migrations applied");
                    ExitCode::SUCCESS
                }
                Err(error) => fail("migration failed", &error),
            },
            Err(code) => code,
        },
        Command::Demo => match connect(&settings).await {
            Ok(store) => {
                if let Err(error) = prepare(&store, &settings).await {
                    return error;
                }
                match demo::load(&store).await {
                    Ok(()) => {
                        println!(
                            "demo data loaded; `{} token --list` shows who you can be",
                            program()
                        );
                        ExitCode::SUCCESS
                    }
                    Err(error) => fail("could not load the demo data", &error),
                }
            }
            Err(code) => code,
        },
        Command::Token(args) => match connect_existing(&settings).await {
            Ok(store) => token_command(&store, args).await,
            Err(code) => code,
        },
        Command::Import(args) => match connect_existing(&settings).await {
            Ok(store) => import_command(&store, &settings, args).await,
            Err(code) => code,
        },
        Command::Audit(AuditCommand::Verify { checkpoints }) => {
            let checkpoints = match checkpoints
                .map(|path| Checkpoints::for_verifying(&settings.audit, &path))
                .transpose()
            {
                Ok(checkpoints) => checkpoints,
                Err(error) => return fail("cannot read the checkpoints", &error),
            };
            match connect_existing(&settings).await {
                Ok(store) => verify_access_log(&store, checkpoints.as_ref()).await,
                Err(code) => code,
            }
        }
        Command::Audit(AuditCommand::Checkpoint) => {
            let checkpoints = match Checkpoints::open(&settings.audit) {
                Ok(checkpoints) => checkpoints,
                Err(error) => return fail("cannot open the checkpoints", &error),
            };
            match connect_existing(&settings).await {
                Ok(store) => match checkpoints.write(&store).await {
                    Ok(heads) => {
                        println!(
                            "checkpoint of {} chains appended to {} (key {})",
                            heads.len(),
                            checkpoints.file().display(),
                            checkpoints.public_key()
                        );
                        ExitCode::SUCCESS
                    }
                    Err(error) => fail("cannot write the checkpoint", &error),
                },
                Err(code) => code,
            }
        }
    }
}

/// Opens the database a command reads, which must exist: connecting would otherwise create an
/// empty SQLite file, and the command fail on a missing table.
async fn connect_existing(settings: &Settings) -> Result<Store, ExitCode> {
    if let Some(path) = missing_sqlite_file(&settings.database_url) {
        eprintln!(
            "maatwerk: there is no database at {}: run `maatwerk demo` (or `maatwerk serve --demo`) \
             here first, or set DATABASE_URL",
            path.display()
        );
        return Err(ExitCode::FAILURE);
    }
    connect(settings).await
}

/// The SQLite file a `sqlite:` URL names, when it does not exist.
fn missing_sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    let path = PathBuf::from(path);
    (!path.exists()).then_some(path)
}

async fn connect(settings: &Settings) -> Result<Store, ExitCode> {
    Store::connect(&settings.database_url)
        .await
        .map_err(|error| fail("cannot open the database", &error))
}

/// Brings SQLite up to date, as `serve` would; PostgreSQL must already be migrated.
async fn prepare(store: &Store, settings: &Settings) -> Result<(), ExitCode> {
    if store.is_sqlite() || settings.migrate {
        store
            .migrate()
            .await
            .map_err(|error| fail("migration failed", &error))?;
    }
    Ok(())
}

async fn import_command(store: &Store, settings: &Settings, args: ImportArgs) -> ExitCode {
    if let Err(code) = prepare(store, settings).await {
        return code;
    }
    let options = ImportOptions {
        kind: args.kind,
        file: args.file,
        organisation: args.org,
        person: args.person,
        dry_run: args.dry_run,
    };
    let started = std::time::Instant::now();
    match import::run(
        store,
        &settings.processing_activities,
        &options,
        Progress::on_standard_error(),
    )
    .await
    {
        Ok(summary) => {
            print!("{summary}");
            println!("in {:.1} s", started.elapsed().as_secs_f64());
            if summary.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => fail("import failed", &error),
    }
}

async fn verify_access_log(store: &Store, checkpoints: Option<&Checkpoints>) -> ExitCode {
    match audit::report(store, checkpoints).await {
        Ok((report, intact)) => {
            print!("{report}");
            if intact {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => fail("cannot read the access log", &error),
    }
}

async fn token_command(store: &Store, args: TokenArgs) -> ExitCode {
    let who = args.who;
    if who.list {
        return match token::list(store).await {
            Ok(identities) if identities.is_empty() => {
                eprintln!("no demo identities: run `maatwerk demo` first");
                ExitCode::FAILURE
            }
            Ok(identities) => {
                let width = identities
                    .iter()
                    .map(|identity| identity.command.len())
                    .max()
                    .unwrap_or(0);
                for identity in identities {
                    println!(
                        "{} token {:width$}   {}",
                        program(),
                        identity.command,
                        identity.description
                    );
                }
                ExitCode::SUCCESS
            }
            Err(error) => fail("cannot list identities", &error),
        };
    }
    let target = if let Some(organisation) = who.org {
        TokenFor::Professional {
            organisation,
            person: args.person.unwrap_or_default(),
            roles: args.roles,
        }
    } else if let Some(subject) = who.resident {
        TokenFor::Resident { subject }
    } else if let Some(organisation) = who.service {
        TokenFor::Service {
            organisation,
            scopes: args.scopes,
        }
    } else {
        TokenFor::PlatformAdmin
    };
    match token::issue(store, &target, args.lifetime_minutes * 60).await {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(error) => fail("cannot sign a token", &error),
    }
}

async fn serve(settings: Settings, load_demo: bool) -> ExitCode {
    let audit = settings.audit.clone();
    let application = match Application::build(settings).await {
        Ok(application) => application,
        Err(error) => return fail("cannot start", &error),
    };
    if audit.checkpoint_interval_seconds > 0 {
        match Checkpoints::open(&audit) {
            Ok(checkpoints) => {
                tokio::spawn(checkpoints.run_periodically(
                    application.store().clone(),
                    std::time::Duration::from_secs(audit.checkpoint_interval_seconds),
                ));
            }
            Err(error) => return fail("cannot open the access log checkpoints", &error),
        }
    }
    let address = application.local_addr();
    if load_demo {
        match demo::load(application.store()).await {
            Ok(()) | Err(demo::DemoError::AlreadyLoaded) => {}
            Err(error) => return fail("could not load the demo data", &error),
        }
        let (organisation, person) = demo::SHOWCASE_PERSON;
        let target = TokenFor::Professional {
            organisation: organisation.into(),
            person: person.into(),
            roles: None,
        };
        match token::issue(application.store(), &target, 8 * 3600).await {
            Ok(token) => print_welcome(address, &token),
            Err(error) => return fail("cannot sign the demo token", &error),
        }
    }
    match application.metrics_addr() {
        Some(metrics) => {
            tracing::info!(%address, %metrics, "listening; metrics on their own address")
        }
        None => tracing::info!(%address, "listening"),
    }
    match application.run_until(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail("server stopped", &error),
    }
}

fn print_welcome(address: SocketAddr, token: &str) {
    let query = r#"{ me { kind professional { name roles } organisation { name kind } } organisations(first: 5) { totalCount edges { node { name kind municipalities { code } } } } }"#;
    println!(
        "\nMaatwerk is running with demo data.\n\n\
         The app:   http://{address}/  (sign in as any demo identity with one click)\n\
         GraphiQL:  http://{address}/graphql  (takes the token of the identity signed in to the app)\n\n\
         For other clients, this header signs in as {who} (valid for 8 hours; `{program} token --list` shows other identities):\n\n\
         {{\"Authorization\": \"Bearer {token}\"}}\n\n\
         Example query:\n\n  {query}\n\n\
         With curl:\n\n  curl -s http://{address}/graphql -H 'Content-Type: application/json' \\\n    -H 'Authorization: Bearer {token}' \\\n    -d '{{\"query\": \"{escaped}\"}}'\n",
        escaped = query.replace('"', "\\\""),
        who = demo::SHOWCASE_PERSON.1,
        program = program(),
    );
}
