//! Synthetic data at scale.
//!
//! [`generate`] fills an empty, migrated database with fictional
//! municipalities, dozens of organisations of every kind, thousands of professionals and any
//! number of cases, each with a team of three to five organisations, consents that differ per
//! organisation, and about twenty items of the six steps with their timeline. It writes with
//! multi-row `INSERT` statements in large transactions rather than case by case through
//! `persistence::cases::Writer`, so a hundred thousand cases take minutes, not hours. Values
//! are bound exactly as the product's entities bind them, so the product reads these rows like
//! its own. The rows go over the benchmark's own connection ([`crate::database`]); only the
//! identity providers are registered through the store, as the product registers them.
//! Everything is derived from a seed; synthetic residents carry no BSN, so no generated
//! number can be a real person's.
//!
//! This is the one file outside `persistence::cases` that writes case content tables; it is a
//! tool's, not the product's, and the layer test names it.

use domain::case::EventKind;
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, Utc};
use domain::case::{
    AgreementStatus, AmountPeriod, AssigneeKind, CaseReference, CaseStatus, CaseStep,
    ConsentMethod, FirstStepStatus, InvitationStatus, ProblemKind,
};
use domain::identity::{KeySource, ProviderKind, SigningAlgorithm};
use domain::slice::{Need, SharingLevel, TeamRole};
use domain::{
    CaseId, KindPolicy, LifeDomain, MunicipalityCode, OrganisationId, OrganisationKind,
    OrganisationRole, ProfessionalId, RoleSet, Slug,
};
use persistence::identity::NewIdentityProvider;
use persistence::{Error, Result, Store};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement, TransactionTrait, Value,
};
use tokio::task::JoinSet;
use uuid::Uuid;

/// How much to generate.
#[derive(Debug, Clone)]
pub struct Scale {
    pub cases: usize,
    /// Professionals over all organisations; by default one per six cases, and at least three
    /// per organisation. With about four organisations per team, a caseload then holds about
    /// twenty-five cases at every scale, so a larger scale means more data, not larger caseloads.
    pub professionals: Option<usize>,
    pub seed: u64,
}

/// A development identity provider for one organisation. The caller makes the key pair and
/// names the issuer, as the demo data does; the private key is stored so tokens can be signed.
#[derive(Debug, Clone)]
pub struct DevelopmentProvider {
    pub issuer: String,
    pub audience: String,
    /// The public key set, inline.
    pub jwks: String,
    /// PKCS#8 PEM private key.
    pub signing_key: String,
}

/// One generated professional, with what a benchmark needs to act as them.
#[derive(Debug, Clone)]
pub struct SyntheticProfessional {
    pub id: ProfessionalId,
    pub organisation_id: OrganisationId,
    pub organisation_slug: String,
    /// The subject their organisation's provider knows them by.
    pub subject: String,
    /// The cases they are on, each with whether they write content there: the case is open
    /// and they are not its process facilitator.
    pub cases: Vec<(CaseId, bool)>,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct Generated {
    pub municipalities: usize,
    pub organisations: usize,
    pub cases: usize,
    pub professionals: Vec<SyntheticProfessional>,
    /// Rows written over all tables.
    pub rows: u64,
}

/// Cases generated and written per transaction.
const CASES_PER_TRANSACTION: usize = 2_000;

/// Fills a migrated database that holds no organisations yet, writing on `database` and
/// registering identity providers through `store`, both on the same database; see the module
/// docs. `provider_for` makes each organisation's development identity provider from its slug;
/// `progress` hears how many cases are written so far.
pub async fn generate(
    store: &Store,
    database: &DatabaseConnection,
    scale: &Scale,
    mut provider_for: impl FnMut(&str) -> DevelopmentProvider,
    mut progress: impl FnMut(usize),
) -> Result<Generated> {
    let mut random = Random::new(scale.seed);
    let now = Utc::now();
    let directory = Directory::plan(&mut random)?;
    let teams = plan_teams(&directory, scale.cases, &mut random);
    let wanted = scale
        .professionals
        .unwrap_or(scale.cases / 6)
        .max(directory.organisations.len() * 3);
    let mut staff = plan_professionals(&directory, &teams, wanted, &mut random);
    let mut by_organisation = vec![Vec::new(); directory.organisations.len()];
    for (index, professional) in staff.iter().enumerate() {
        by_organisation[professional.organisation].push(index);
    }

    let mut rows = write_directory(database, &directory, now).await?;
    let mut provider_ids = Vec::with_capacity(directory.organisations.len());
    for organisation in &directory.organisations {
        let provider = provider_for(&organisation.slug);
        let registered = store
            .insert_identity_provider(NewIdentityProvider {
                kind: ProviderKind::Professional,
                organisation_id: Some(OrganisationId(organisation.id)),
                name: format!("{} staff sign-in (development)", organisation.name),
                issuer: provider.issuer,
                audience: provider.audience,
                algorithms: BTreeSet::from([SigningAlgorithm::EdDsa]),
                keys: KeySource::Inline(provider.jwks),
                development_signing_key: Some(provider.signing_key),
            })
            .await?;
        provider_ids.push(registered.id.0);
        rows += 1;
    }
    rows += write_professionals(database, &directory, &staff, &provider_ids, now).await?;

    let context = CaseContext {
        directory: &directory,
        by_organisation: &by_organisation,
        now,
    };
    let mut counters: HashMap<(usize, i32), i64> = HashMap::new();
    // Each batch is written in a task of its own while the next one is generated; on
    // PostgreSQL two batches are written at once, one per core, as the server is the
    // bottleneck there. SQLite has one writer at a time.
    let writers = match database.get_database_backend() {
        DatabaseBackend::Sqlite => 1,
        _ => 2,
    };
    let mut in_flight: JoinSet<Result<(u64, usize)>> = JoinSet::new();
    let mut written = 0;
    for chunk in teams.chunks(CASES_PER_TRANSACTION) {
        let mut batch = CaseBatch::new();
        for team in chunk {
            batch.add_case(&context, &mut staff, team, &mut counters, &mut random)?;
        }
        while in_flight.len() >= writers {
            let (batch_rows, cases) = finished(&mut in_flight).await?;
            rows += batch_rows;
            written += cases;
            progress(written);
        }
        let database = database.clone();
        let cases = chunk.len();
        in_flight.spawn(async move {
            let transaction = database.begin().await?;
            let rows = batch.write(&transaction).await?;
            transaction.commit().await?;
            Ok((rows, cases))
        });
    }
    while !in_flight.is_empty() {
        let (batch_rows, cases) = finished(&mut in_flight).await?;
        rows += batch_rows;
        written += cases;
        progress(written);
    }

    let mut counter_rows = Rows::new(
        "case_reference_counters",
        &["municipality_id", "year", "last_sequence"],
    );
    for ((municipality, year), last) in &counters {
        counter_rows.push([
            directory.municipalities[*municipality].id.into(),
            (*year).into(),
            (*last).into(),
        ]);
    }
    rows += counter_rows.write(database).await?;

    let professionals = staff
        .into_iter()
        .map(|planned| SyntheticProfessional {
            id: ProfessionalId(planned.id),
            organisation_id: OrganisationId(directory.organisations[planned.organisation].id),
            organisation_slug: directory.organisations[planned.organisation].slug.clone(),
            subject: planned.subject,
            cases: planned.cases,
        })
        .collect();
    Ok(Generated {
        municipalities: directory.municipalities.len(),
        organisations: directory.organisations.len(),
        cases: scale.cases,
        professionals,
        rows,
    })
}

/// The professionals of a database that [`generate`] filled earlier, with the cases they are
/// on as it would have returned them, so a benchmark can measure again on data that took
/// minutes to write. Rows written by earlier measurements (agreements, access-log entries)
/// stay; a case's team and status are as generated.
pub async fn generated_earlier(database: &DatabaseConnection) -> Result<Generated> {
    let counts = database
        .query_one_raw(Statement::from_string(
            database.get_database_backend(),
            "SELECT (SELECT count(*) FROM municipalities) AS municipalities, \
                 (SELECT count(*) FROM organisations) AS organisations, \
                 (SELECT count(*) FROM cases) AS cases"
                .to_owned(),
        ))
        .await?
        .ok_or(Error::Corrupt("counts"))?;
    let count = |column: &str| -> Result<usize> {
        let value: i64 = counts.try_get("", column)?;
        Ok(usize::try_from(value).unwrap_or(0))
    };
    let rows = database
            .query_all_raw(Statement::from_string(
                database.get_database_backend(),
                "SELECT professionals.id AS id, professionals.organisation_id AS organisation_id, \
                 organisations.slug AS slug, professionals.subject AS subject, \
                 team_members.case_id AS case_id, \
                 (cases.status <> 'closed' AND team_members.role <> 'process_facilitator') AS writes \
                 FROM professionals \
                 JOIN organisations ON organisations.id = professionals.organisation_id \
                 LEFT JOIN team_members ON team_members.professional_id = professionals.id \
                 AND team_members.left_at IS NULL \
                 LEFT JOIN cases ON cases.id = team_members.case_id \
                 ORDER BY professionals.id, team_members.case_id"
                    .to_owned(),
            ))
            .await?;
    let mut professionals: Vec<SyntheticProfessional> = Vec::new();
    for row in rows {
        let id: Uuid = row.try_get("", "id")?;
        if professionals.last().is_none_or(|last| last.id.0 != id) {
            professionals.push(SyntheticProfessional {
                id: ProfessionalId(id),
                organisation_id: OrganisationId(row.try_get("", "organisation_id")?),
                organisation_slug: row.try_get("", "slug")?,
                subject: row.try_get("", "subject")?,
                cases: Vec::new(),
            });
        }
        let case_id: Option<Uuid> = row.try_get("", "case_id")?;
        if let (Some(case_id), Some(professional)) = (case_id, professionals.last_mut()) {
            let writes: bool = row.try_get("", "writes")?;
            professional.cases.push((CaseId(case_id), writes));
        }
    }
    Ok(Generated {
        municipalities: count("municipalities")?,
        organisations: count("organisations")?,
        cases: count("cases")?,
        professionals,
        rows: 0,
    })
}

async fn write_directory(
    database: &DatabaseConnection,
    directory: &Directory,
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut municipalities = Rows::new(
        "municipalities",
        &["id", "code", "name", "version", "created_at"],
    );
    for municipality in &directory.municipalities {
        municipalities.push([
            municipality.id.into(),
            municipality.code.into(),
            municipality.name.into(),
            1.into(),
            now.into(),
        ]);
    }
    let mut organisations = Rows::new(
        "organisations",
        &["id", "slug", "name", "kind", "version", "created_at"],
    );
    let mut serves = Rows::new(
        "organisation_municipalities",
        &["organisation_id", "municipality_id"],
    );
    let mut allowed = Rows::new("organisation_allowed_roles", &["organisation_id", "role"]);
    for organisation in &directory.organisations {
        organisations.push([
            organisation.id.into(),
            organisation.slug.clone().into(),
            organisation.name.clone().into(),
            organisation.kind.as_str().into(),
            1.into(),
            now.into(),
        ]);
        for municipality in &organisation.municipalities {
            serves.push([
                organisation.id.into(),
                directory.municipalities[*municipality].id.into(),
            ]);
        }
        for role in OrganisationRole::ALL {
            allowed.push([organisation.id.into(), role.as_str().into()]);
        }
    }
    let transaction = database.begin().await?;
    let mut rows = 0;
    for table in [
        &mut municipalities,
        &mut organisations,
        &mut serves,
        &mut allowed,
    ] {
        rows += table.write(&transaction).await?;
    }
    transaction.commit().await?;
    Ok(rows)
}

async fn write_professionals(
    database: &DatabaseConnection,
    directory: &Directory,
    staff: &[PlannedProfessional],
    provider_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut professionals = Rows::new(
        "professionals",
        &[
            "id",
            "organisation_id",
            "identity_provider_id",
            "subject",
            "name",
            "email",
            "roles",
            "created_at",
            "last_seen_at",
        ],
    );
    for professional in staff {
        let organisation = &directory.organisations[professional.organisation];
        // Stored as a sign-in stores them, so the first request does not rewrite the row.
        let roles = professional
            .roles
            .iter()
            .map(|role| role.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        professionals.push([
            professional.id.into(),
            organisation.id.into(),
            provider_ids[professional.organisation].into(),
            professional.subject.clone().into(),
            professional.name.clone().into(),
            Some(format!(
                "{}@{}.example",
                professional.subject, organisation.slug
            ))
            .into(),
            roles.into(),
            now.into(),
            now.into(),
        ]);
    }
    let transaction = database.begin().await?;
    let rows = professionals.write(&transaction).await?;
    transaction.commit().await?;
    Ok(rows)
}

/// The outcome of the next batch write to finish; a write that panicked panics here.
async fn finished(in_flight: &mut JoinSet<Result<(u64, usize)>>) -> Result<(u64, usize)> {
    match in_flight.join_next().await {
        Some(Ok(outcome)) => outcome,
        Some(Err(error)) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Some(Err(_)) | None => Err(Error::Database(DbErr::Custom(
            "a batch of synthetic data was not written".to_owned(),
        ))),
    }
}

/// Rows for one table, written with as few multi-row `INSERT` statements as the backend's
/// limit on bound parameters allows.
struct Rows {
    table: &'static str,
    columns: &'static [&'static str],
    values: Vec<Value>,
}

impl Rows {
    fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        Self {
            table,
            columns,
            values: Vec::new(),
        }
    }

    fn push<const N: usize>(&mut self, row: [Value; N]) {
        debug_assert_eq!(N, self.columns.len(), "a row of {}", self.table);
        self.values.extend(row);
    }

    async fn write(&mut self, connection: &impl ConnectionTrait) -> Result<u64> {
        let backend = connection.get_database_backend();
        let width = self.columns.len();
        // SQLite binds at most 32 766 parameters per statement, PostgreSQL 65 535.
        let limit = match backend {
            DatabaseBackend::Sqlite => 32_766,
            _ => 65_535,
        };
        let rows_per_statement = limit / width;
        let total = self.values.len() / width;
        let mut values = std::mem::take(&mut self.values).into_iter();
        let mut written = 0;
        while written < total {
            let rows = (total - written).min(rows_per_statement);
            let sql = insert_sql(backend, self.table, self.columns, rows);
            let chunk: Vec<Value> = values.by_ref().take(rows * width).collect();
            connection
                .execute_raw(Statement::from_sql_and_values(backend, sql, chunk))
                .await?;
            written += rows;
        }
        Ok(total as u64)
    }
}

fn insert_sql(backend: DatabaseBackend, table: &str, columns: &[&str], rows: usize) -> String {
    use std::fmt::Write;
    let mut sql = String::with_capacity(64 + rows * columns.len() * 7);
    let _ = write!(sql, "INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut parameter = 0;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns.len() {
            if column > 0 {
                sql.push_str(", ");
            }
            parameter += 1;
            match backend {
                DatabaseBackend::Postgres => {
                    let _ = write!(sql, "${parameter}");
                }
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql
}

/// A small, fast, seedable generator (SplitMix64); the data only has to look varied and come
/// out the same for the same seed. It also makes the ids.
struct Random {
    state: u64,
    /// The millisecond every id is stamped with, and how many ids were made.
    millis: u64,
    ids: u64,
}

impl Random {
    fn new(seed: u64) -> Self {
        Self {
            state: seed ^ 0x5DEE_CE66_D1CE_4E5B,
            millis: u64::try_from(Utc::now().timestamp_millis()).unwrap_or_default(),
            ids: 0,
        }
    }

    /// A version 7 UUID like the product's own: time-ordered, so rows land at the end of their
    /// indexes, with a counter in place of most random bits so that ids keep the order they
    /// were made in (RFC 9562, method 1). Made without the system clock or randomness source,
    /// which would otherwise cost a system call per id.
    fn id(&mut self) -> Uuid {
        self.ids += 1;
        let value = (u128::from(self.millis & 0xFFFF_FFFF_FFFF) << 80)
            | (0x7 << 76)
            | (u128::from((self.ids >> 40) & 0xFFF) << 64)
            | (0b10 << 62)
            | (u128::from(self.ids & 0xFF_FFFF_FFFF) << 22)
            | u128::from(self.next_u64() & 0x3F_FFFF);
        Uuid::from_u128(value)
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`; `n` must not be zero.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    fn chance(&mut self, probability: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < probability
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index into `weights`, chosen in proportion to them; they must not all be zero.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|weight| u64::from(*weight)).sum();
        let mut target = self.next_u64() % total;
        for (index, weight) in weights.iter().enumerate() {
            let weight = u64::from(*weight);
            if target < weight {
                return index;
            }
            target -= weight;
        }
        weights.len() - 1
    }

    /// A moment between `from` and `to`.
    fn moment(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
        let span = (to - from).num_seconds().max(1) as usize;
        from + Duration::seconds(self.below(span) as i64)
    }
}

struct PlannedMunicipality {
    id: Uuid,
    code: &'static str,
    name: &'static str,
    /// How many of the cases it holds, relatively.
    weight: u32,
}

struct PlannedOrganisation {
    id: Uuid,
    slug: String,
    name: String,
    kind: OrganisationKind,
    municipalities: Vec<usize>,
    /// The life domains its kind receives by default; consents are asked for these.
    domains: Vec<LifeDomain>,
}

struct Directory {
    municipalities: Vec<PlannedMunicipality>,
    organisations: Vec<PlannedOrganisation>,
    /// Per municipality: the organisations that may lead a case there.
    leads: Vec<Vec<usize>>,
    /// Per municipality: the organisations that may join a case there.
    partners: Vec<Vec<usize>>,
}

const MUNICIPALITIES: &[(&str, &str, u32)] = &[
    ("AMS", "Amsterdam", 8),
    ("DHG", "Den Haag", 5),
    ("UTR", "Utrecht", 3),
    ("TIL", "Tilburg", 2),
    ("DEL", "Delft", 1),
    ("LEE", "Leeuwarden", 1),
    ("ZAA", "Zaanstad", 1),
];

const DISTRICTS: &[&str] = &["Noord", "Zuid", "West", "Oost"];

/// Organisations that work across municipalities: name, kind, municipality codes.
const REGIONAL: &[(&str, OrganisationKind, &[&str])] = &[
    (
        "UWV Noord- en Zuid-Holland",
        OrganisationKind::EmploymentAgency,
        &["AMS", "DHG", "DEL", "ZAA"],
    ),
    (
        "UWV Midden, Zuid en Noord",
        OrganisationKind::EmploymentAgency,
        &["UTR", "TIL", "LEE"],
    ),
    (
        "Schuldhulp Randstad",
        OrganisationKind::Other,
        &["AMS", "DHG", "UTR", "DEL", "ZAA"],
    ),
    (
        "Stichting Budgetbeheer Zuid",
        OrganisationKind::Other,
        &["TIL", "UTR"],
    ),
    (
        "Voedselbank Noord",
        OrganisationKind::Other,
        &["LEE", "ZAA", "AMS"],
    ),
];

/// How likely an organisation of each kind is asked onto a case as a partner.
fn partner_weight(kind: OrganisationKind) -> u32 {
    match kind {
        OrganisationKind::IncomeDepartment => 30,
        OrganisationKind::HousingCorporation => 25,
        OrganisationKind::YouthTeam => 20,
        OrganisationKind::HealthService => 15,
        OrganisationKind::School => 10,
        OrganisationKind::EmploymentAgency => 10,
        OrganisationKind::Other => 8,
        OrganisationKind::BreakthroughTeam => 4,
        OrganisationKind::NeighbourhoodTeam => 0,
    }
}

fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for character in name.chars() {
        if character.is_ascii_alphanumeric() {
            slug.push(character.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').to_owned()
}

impl Directory {
    fn plan(random: &mut Random) -> Result<Self> {
        let municipalities: Vec<PlannedMunicipality> = MUNICIPALITIES
            .iter()
            .map(|(code, name, weight)| PlannedMunicipality {
                id: random.id(),
                code,
                name,
                weight: *weight,
            })
            .collect();
        for municipality in &municipalities {
            MunicipalityCode::parse(municipality.code)?;
        }
        let mut organisations = Vec::new();
        let mut add = |name: String, kind: OrganisationKind, serves: Vec<usize>| -> Result<()> {
            let slug = Slug::parse(&slugify(&name))?.as_str().to_owned();
            organisations.push(PlannedOrganisation {
                id: random.id(),
                slug,
                name,
                kind,
                municipalities: serves,
                domains: KindPolicy::default_for(kind)
                    .life_domains
                    .into_iter()
                    .collect(),
            });
            Ok(())
        };
        for (index, municipality) in municipalities.iter().enumerate() {
            let city = municipality.name;
            let teams = 1 + municipality.weight as usize / 3;
            for district in DISTRICTS.iter().take(teams) {
                let name = if teams == 1 {
                    format!("Buurtteam {city}")
                } else {
                    format!("Buurtteam {city} {district}")
                };
                add(name, OrganisationKind::NeighbourhoodTeam, vec![index])?;
            }
            add(
                format!("Ouder- en Kindteam {city}"),
                OrganisationKind::YouthTeam,
                vec![index],
            )?;
            add(
                format!("Werk en Inkomen {city}"),
                OrganisationKind::IncomeDepartment,
                vec![index],
            )?;
            for number in 1..=1 + municipality.weight as usize / 4 {
                add(
                    format!("Woonstichting {city} {number}"),
                    OrganisationKind::HousingCorporation,
                    vec![index],
                )?;
                add(
                    format!("{city} College {number}"),
                    OrganisationKind::School,
                    vec![index],
                )?;
            }
            add(
                format!("GGD {city}"),
                OrganisationKind::HealthService,
                vec![index],
            )?;
            add(
                format!("Doorbraakteam {city}"),
                OrganisationKind::BreakthroughTeam,
                vec![index],
            )?;
        }
        for (name, kind, codes) in REGIONAL {
            let serves = codes
                .iter()
                .filter_map(|code| municipalities.iter().position(|m| m.code == *code))
                .collect();
            add((*name).to_owned(), *kind, serves)?;
        }
        let serving = |index: usize, wanted: &dyn Fn(OrganisationKind) -> bool| -> Vec<usize> {
            organisations
                .iter()
                .enumerate()
                .filter(|(_, organisation)| {
                    organisation.municipalities.contains(&index) && wanted(organisation.kind)
                })
                .map(|(position, _)| position)
                .collect()
        };
        let leads = (0..municipalities.len())
            .map(|index| {
                serving(index, &|kind| {
                    matches!(
                        kind,
                        OrganisationKind::NeighbourhoodTeam | OrganisationKind::YouthTeam
                    )
                })
            })
            .collect();
        let partners = (0..municipalities.len())
            .map(|index| serving(index, &|kind| partner_weight(kind) > 0))
            .collect();
        Ok(Self {
            municipalities,
            organisations,
            leads,
            partners,
        })
    }
}

/// Which organisations work on one case: the first leads it.
struct PlannedTeam {
    municipality: u8,
    organisations: [u16; 5],
    size: u8,
}

impl PlannedTeam {
    fn organisations(&self) -> &[u16] {
        &self.organisations[..usize::from(self.size)]
    }
}

fn plan_teams(directory: &Directory, cases: usize, random: &mut Random) -> Vec<PlannedTeam> {
    let weights: Vec<u32> = directory.municipalities.iter().map(|m| m.weight).collect();
    (0..cases)
        .map(|_| {
            let municipality = random.weighted(&weights);
            let leads = &directory.leads[municipality];
            // Most cases are led by a neighbourhood team; some by the youth team.
            let neighbourhood: Vec<usize> = leads
                .iter()
                .copied()
                .filter(|index| {
                    directory.organisations[*index].kind == OrganisationKind::NeighbourhoodTeam
                })
                .collect();
            let lead = if random.chance(0.85) && !neighbourhood.is_empty() {
                *random.pick(&neighbourhood)
            } else {
                *random.pick(leads)
            };
            let mut team = PlannedTeam {
                municipality: municipality as u8,
                organisations: [lead as u16, 0, 0, 0, 0],
                size: 1,
            };
            let mut candidates: Vec<usize> = directory.partners[municipality]
                .iter()
                .copied()
                .filter(|index| *index != lead)
                .collect();
            for _ in 0..random.between(2, 4) {
                if candidates.is_empty() {
                    break;
                }
                let weights: Vec<u32> = candidates
                    .iter()
                    .map(|index| partner_weight(directory.organisations[*index].kind))
                    .collect();
                let chosen = candidates.swap_remove(random.weighted(&weights));
                team.organisations[usize::from(team.size)] = chosen as u16;
                team.size += 1;
            }
            team
        })
        .collect()
}

struct PlannedProfessional {
    id: Uuid,
    organisation: usize,
    subject: String,
    name: String,
    roles: RoleSet,
    cases: Vec<(CaseId, bool)>,
}

const FIRST_NAMES: &[&str] = &[
    "Anna", "Bram", "Chantal", "Daan", "Eva", "Fatima", "Gijs", "Hanna", "Ilse", "Jamal", "Karin",
    "Lars", "Mila", "Nadia", "Otto", "Priya", "Quinta", "Rosa", "Sem", "Tess", "Umar", "Vera",
    "Willem", "Yusuf", "Zehra", "Mohamed", "Sanne", "Kees", "Noor", "Ravi",
];

const LAST_NAMES: &[&str] = &[
    "de Boer",
    "Kok",
    "Peters",
    "Mulder",
    "Smits",
    "Jacobs",
    "van Dam",
    "Yilmaz",
    "Vermeulen",
    "Haddou",
    "Bos",
    "Dekker",
    "Koster",
    "Ramdin",
    "Brouwer",
    "Verhoeven",
    "Maas",
    "Timmer",
    "Willems",
    "Hoekstra",
    "Benali",
    "de Vries",
    "Jansen",
    "El Amrani",
    "Bakker",
    "Visser",
    "Meijer",
    "Kaya",
    "Hendriks",
    "van Dijk",
];

fn person_name(random: &mut Random) -> String {
    format!("{} {}", random.pick(FIRST_NAMES), random.pick(LAST_NAMES))
}

/// Spreads `wanted` professionals over the organisations in proportion to how many case
/// teams each organisation is on, at least three each.
fn plan_professionals(
    directory: &Directory,
    teams: &[PlannedTeam],
    wanted: usize,
    random: &mut Random,
) -> Vec<PlannedProfessional> {
    let mut load = vec![0usize; directory.organisations.len()];
    for team in teams {
        for organisation in team.organisations() {
            load[usize::from(*organisation)] += 1;
        }
    }
    let total_load = load.iter().sum::<usize>().max(1);
    let mut staff = Vec::with_capacity(wanted);
    for (organisation, load) in load.iter().enumerate() {
        let count = (wanted * load / total_load).max(3);
        for _ in 0..count {
            let mut roles = RoleSet::from([OrganisationRole::Professional]);
            if random.chance(0.10) {
                roles.insert(OrganisationRole::TeamLead);
            }
            if random.chance(0.15) {
                roles.insert(OrganisationRole::Coach);
            }
            if random.chance(0.08) {
                roles.insert(OrganisationRole::ProcessFacilitator);
            }
            staff.push(PlannedProfessional {
                id: random.id(),
                organisation,
                subject: format!("p{:06}", staff.len() + 1),
                name: person_name(random),
                roles,
                cases: Vec::new(),
            });
        }
    }
    staff
}

const STREETS: &[&str] = &[
    "Czaar Peterstraat",
    "Javastraat",
    "Kinkerstraat",
    "Molenweg",
    "Dorpsstraat",
    "Stationsweg",
    "Kerkstraat",
    "Lindenlaan",
];

const PERSPECTIVES: &[&str] = &[
    "I want a roof over my head and a place where my children can sleep.",
    "I want to be free of debts and sleep without worrying about letters.",
    "I want to work again, a few days a week, with people around me.",
    "I want my son to go to school every day and enjoy it.",
    "I want to feel safe in my own home.",
    "I want to take care of my health and see my friends again.",
];

const AGREEMENTS: &[&str] = &[
    "Call the energy supplier about a payment plan",
    "Apply for the individual income supplement",
    "Visit the school together with the resident",
    "Arrange a meeting with the housing corporation about the arrears",
    "Register with debt counselling",
    "Ask the GP for a referral",
    "Look for volunteer work in the neighbourhood",
    "Collect the unopened letters and sort them together",
    "Check the allowance for childcare",
    "Plan a case team meeting with all partners",
];

const FIRST_STEPS: &[&str] = &[
    "Stop the eviction procedure",
    "Get an overview of all debts",
    "Get the children back to school",
    "Find a temporary place to stay",
    "Restore the benefit payments",
];

/// A fact's text for a life domain, with its amount where the domain has one.
fn fact_text(domain: LifeDomain, random: &mut Random) -> (String, Option<(i64, AmountPeriod)>) {
    let cents =
        |random: &mut Random, low: usize, high: usize| (random.between(low, high) * 100) as i64;
    match domain {
        LifeDomain::Finances => {
            if random.chance(0.5) {
                let amount = cents(random, 200, 15_000);
                (
                    format!("Debt of €{} with the energy supplier", amount / 100),
                    Some((amount, AmountPeriod::Once)),
                )
            } else {
                let amount = cents(random, 900, 1_800);
                (
                    format!("Income from benefits of €{} a month", amount / 100),
                    Some((amount, AmountPeriod::PerMonth)),
                )
            }
        }
        LifeDomain::Housing => {
            let amount = cents(random, 550, 1_200);
            (
                format!("Rent of €{} a month, two months in arrears", amount / 100),
                Some((amount, AmountPeriod::PerMonth)),
            )
        }
        LifeDomain::Profile => (
            format!(
                "Lives with {} children aged {} and {}",
                random.between(1, 3),
                random.between(2, 9),
                random.between(10, 17)
            ),
            None,
        ),
        LifeDomain::Safety => (
            "Police were called twice this year after a conflict at home".to_owned(),
            None,
        ),
        LifeDomain::WorkAndDaytime => (
            format!(
                "Worked as a cleaner until {}; no daytime activity since",
                random.between(2015, 2024)
            ),
            None,
        ),
        LifeDomain::Health => (
            "Diabetes type 2; missed the last three appointments".to_owned(),
            None,
        ),
        LifeDomain::YouthAndEducation => (
            format!(
                "Eldest son missed {} school days this term",
                random.between(5, 40)
            ),
            None,
        ),
        LifeDomain::StrengthsAndTalents => (
            "Cooks for the neighbours; good with numbers".to_owned(),
            None,
        ),
        LifeDomain::Network => (
            "Sister lives nearby and helps with the children".to_owned(),
            None,
        ),
        LifeDomain::PastSuccesses => (
            "Kept a payment plan going for two years before".to_owned(),
            None,
        ),
        LifeDomain::Particulars => (
            "Prefers appointments at home, in the afternoon".to_owned(),
            None,
        ),
    }
}

fn problem_text(kind: ProblemKind, domain: LifeDomain) -> String {
    match kind {
        ProblemKind::Personal => format!("Avoids opening letters about {}", domain.as_str()),
        ProblemKind::Professional => format!(
            "Two organisations give conflicting advice on {}",
            domain.as_str()
        ),
        ProblemKind::System => format!(
            "The rules on {} stop the benefit while the debt is being settled",
            domain.as_str()
        ),
    }
}

/// One transaction's worth of cases, as rows per table in the order foreign keys need.
struct CaseBatch {
    residents: Rows,
    cases: Rows,
    team_members: Rows,
    invitations: Rows,
    consents: Rows,
    perspectives: Rows,
    facts: Rows,
    problems: Rows,
    first_steps: Rows,
    agreements: Rows,
    evaluations: Rows,
    case_events: Rows,
}

/// What every generated case draws on.
#[derive(Clone, Copy)]
struct CaseContext<'a> {
    directory: &'a Directory,
    /// Per organisation: the indexes of its professionals.
    by_organisation: &'a [Vec<usize>],
    now: DateTime<Utc>,
}

/// A member of the case being generated.
#[derive(Clone, Copy)]
struct Member {
    professional: usize,
    organisation: usize,
    professional_id: Uuid,
    organisation_id: Uuid,
}

impl CaseBatch {
    fn new() -> Self {
        Self {
            residents: Rows::new(
                "residents",
                &[
                    "id",
                    "name",
                    "date_of_birth",
                    "email",
                    "phone",
                    "address",
                    "bsn",
                    "version",
                    "created_at",
                ],
            ),
            cases: Rows::new(
                "cases",
                &[
                    "id",
                    "municipality_id",
                    "reference",
                    "resident_id",
                    "status",
                    "step",
                    "status_reason",
                    "opened_by_professional_id",
                    "opened_at",
                    "closed_at",
                    "last_activity_at",
                    "version",
                ],
            ),
            team_members: Rows::new(
                "team_members",
                &[
                    "id",
                    "case_id",
                    "professional_id",
                    "organisation_id",
                    "role",
                    "joined_at",
                    "left_at",
                    "left_reason",
                    "version",
                ],
            ),
            invitations: Rows::new(
                "invitations",
                &[
                    "id",
                    "case_id",
                    "organisation_id",
                    "professional_id",
                    "reason",
                    "escalation",
                    "status",
                    "invited_by_professional_id",
                    "invited_by_organisation_id",
                    "invited_at",
                    "decided_by_professional_id",
                    "decided_at",
                    "version",
                ],
            ),
            consents: Rows::new(
                "consents",
                &[
                    "id",
                    "case_id",
                    "organisation_id",
                    "life_domain",
                    "method",
                    "recorded_by_professional_id",
                    "recorded_at",
                    "revoked_at",
                    "revoked_by_professional_id",
                    "version",
                ],
            ),
            perspectives: Rows::new(
                "perspectives",
                &[
                    "id",
                    "case_id",
                    "text",
                    "written_by_resident",
                    "recorded_by_professional_id",
                    "recorded_at",
                    "withheld_reason",
                ],
            ),
            facts: Rows::new(
                "facts",
                &[
                    "id",
                    "case_id",
                    "organisation_id",
                    "professional_id",
                    "life_domain",
                    "text",
                    "amount_cents",
                    "amount_period",
                    "need",
                    "sharing",
                    "withheld_reason",
                    "created_at",
                    "updated_at",
                    "version",
                ],
            ),
            problems: Rows::new(
                "problems",
                &[
                    "id",
                    "case_id",
                    "organisation_id",
                    "professional_id",
                    "kind",
                    "life_domain",
                    "text",
                    "resident_shares_picture",
                    "sharing",
                    "withheld_reason",
                    "created_at",
                    "updated_at",
                    "version",
                ],
            ),
            first_steps: Rows::new(
                "first_steps",
                &[
                    "id",
                    "case_id",
                    "text",
                    "motivation",
                    "capability",
                    "opportunity",
                    "status",
                    "organisation_id",
                    "professional_id",
                    "withheld_reason",
                    "created_at",
                    "updated_at",
                    "version",
                ],
            ),
            agreements: Rows::new(
                "agreements",
                &[
                    "id",
                    "case_id",
                    "what",
                    "assignee_kind",
                    "assignee_professional_id",
                    "assignee_organisation_id",
                    "assignee_name",
                    "due_on",
                    "review_on",
                    "status",
                    "status_changed_by_professional_id",
                    "status_changed_at",
                    "organisation_id",
                    "professional_id",
                    "withheld_reason",
                    "created_at",
                    "version",
                ],
            ),
            evaluations: Rows::new(
                "evaluations",
                &[
                    "id",
                    "case_id",
                    "achieved",
                    "perspective_reached",
                    "what_worked",
                    "still_needed",
                    "next_evaluation_on",
                    "organisation_id",
                    "professional_id",
                    "withheld_reason",
                    "recorded_at",
                ],
            ),
            case_events: Rows::new(
                "case_events",
                &[
                    "id",
                    "case_id",
                    "at",
                    "kind",
                    "item_kind",
                    "item_id",
                    "organisation_id",
                    "professional_id",
                    "by_resident",
                ],
            ),
        }
    }

    async fn write(&mut self, connection: &impl ConnectionTrait) -> Result<u64> {
        let mut rows = 0;
        for table in [
            &mut self.residents,
            &mut self.cases,
            &mut self.team_members,
            &mut self.invitations,
            &mut self.consents,
            &mut self.perspectives,
            &mut self.facts,
            &mut self.problems,
            &mut self.first_steps,
            &mut self.agreements,
            &mut self.evaluations,
            &mut self.case_events,
        ] {
            rows += table.write(connection).await?;
        }
        Ok(rows)
    }

    fn event(
        &mut self,
        random: &mut Random,
        case_id: Uuid,
        at: DateTime<Utc>,
        kind: EventKind,
        item: Option<(&'static str, Uuid)>,
        member: Member,
    ) {
        self.case_events.push([
            random.id().into(),
            case_id.into(),
            at.into(),
            kind.as_str().into(),
            item.map(|(kind, _)| kind).into(),
            item.map(|(_, id)| id).into(),
            Some(member.organisation_id).into(),
            Some(member.professional_id).into(),
            false.into(),
        ]);
    }

    /// Adds one case with its resident, team, consents, items and timeline.
    fn add_case(
        &mut self,
        context: &CaseContext<'_>,
        staff: &mut [PlannedProfessional],
        team: &PlannedTeam,
        counters: &mut HashMap<(usize, i32), i64>,
        random: &mut Random,
    ) -> Result<()> {
        let CaseContext {
            directory,
            by_organisation,
            now,
        } = *context;
        let case_id = random.id();
        let municipality = usize::from(team.municipality);
        let opened_at = now - Duration::seconds(random.below(3 * 365 * 24 * 3600) as i64 + 3600);
        let last_activity_at = random.moment(opened_at + Duration::hours(1), now);
        let closed = random.chance(0.12);
        let status = if closed {
            CaseStatus::Closed
        } else {
            CaseStatus::Open
        };
        let step = *random.pick(CaseStep::ALL);

        // One professional of each organisation; the first is the case lead.
        let mut members: Vec<(Member, TeamRole)> = Vec::with_capacity(team.organisations().len());
        for (position, organisation) in team.organisations().iter().enumerate() {
            let organisation = usize::from(*organisation);
            let professional = *random.pick(&by_organisation[organisation]);
            let roles = &staff[professional].roles;
            let role = if position == 0 {
                TeamRole::CaseLead
            } else if roles.contains(&OrganisationRole::Coach) && random.chance(0.3) {
                TeamRole::Coach
            } else if roles.contains(&OrganisationRole::ProcessFacilitator) && random.chance(0.5) {
                TeamRole::ProcessFacilitator
            } else {
                TeamRole::Member
            };
            members.push((
                Member {
                    professional,
                    organisation,
                    professional_id: staff[professional].id,
                    organisation_id: directory.organisations[organisation].id,
                },
                role,
            ));
        }
        for (member, role) in &members {
            staff[member.professional].cases.push((
                CaseId(case_id),
                !closed && *role != TeamRole::ProcessFacilitator,
            ));
        }
        let lead = members[0].0;
        // Content is written by members who are not process facilitators; the lead writes most.
        let authors: Vec<Member> = members
            .iter()
            .filter(|(_, role)| *role != TeamRole::ProcessFacilitator)
            .map(|(member, _)| *member)
            .collect();
        let author = |random: &mut Random| {
            if random.chance(0.4) {
                lead
            } else {
                *random.pick(&authors)
            }
        };

        let resident_id = random.id();
        let born = (now - Duration::days(random.between(18 * 365, 80 * 365) as i64)).date_naive();
        let resident_name = person_name(random);
        self.residents.push([
            resident_id.into(),
            resident_name.into(),
            born.into(),
            random
                .chance(0.6)
                .then(|| format!("resident{}@mail.example", random.next_u64() % 1_000_000_000))
                .into(),
            Some(format!("06-{:08}", random.below(100_000_000))).into(),
            Some(format!(
                "{} {}, {}",
                random.pick(STREETS),
                random.between(1, 400),
                directory.municipalities[municipality].name
            ))
            .into(),
            Option::<String>::None.into(),
            1.into(),
            opened_at.into(),
        ]);

        let year = opened_at.year();
        let sequence = counters.entry((municipality, year)).or_insert(0);
        *sequence += 1;
        let code = MunicipalityCode::parse(directory.municipalities[municipality].code)?;
        let reference = CaseReference::new(&code, year, *sequence);
        self.cases.push([
            case_id.into(),
            directory.municipalities[municipality].id.into(),
            reference.as_str().to_owned().into(),
            resident_id.into(),
            status.as_str().into(),
            step.as_str().into(),
            closed
                .then_some("The resident's perspective is reached")
                .into(),
            lead.professional_id.into(),
            opened_at.into(),
            closed.then_some(last_activity_at).into(),
            last_activity_at.into(),
            1.into(),
        ]);
        self.event(
            random,
            case_id,
            opened_at,
            EventKind::CaseOpened,
            None,
            lead,
        );

        // The lead opens the case and invites the partners, who accept.
        for (member, role) in &members {
            let joined_at = if role == &TeamRole::CaseLead {
                opened_at
            } else {
                let invited_at = random.moment(opened_at, last_activity_at);
                let invitation_id = random.id();
                let joined_at = random.moment(invited_at, last_activity_at);
                self.invitations.push([
                    invitation_id.into(),
                    case_id.into(),
                    member.organisation_id.into(),
                    Option::<Uuid>::None.into(),
                    "Their expertise is needed for the next step".into(),
                    false.into(),
                    InvitationStatus::Accepted.as_str().into(),
                    lead.professional_id.into(),
                    lead.organisation_id.into(),
                    invited_at.into(),
                    Some(member.professional_id).into(),
                    Some(joined_at).into(),
                    2.into(),
                ]);
                self.event(
                    random,
                    case_id,
                    invited_at,
                    EventKind::Invited,
                    Some(("invitation", invitation_id)),
                    lead,
                );
                self.event(
                    random,
                    case_id,
                    joined_at,
                    EventKind::MemberJoined,
                    Some(("invitation", invitation_id)),
                    *member,
                );
                joined_at
            };
            self.team_members.push([
                random.id().into(),
                case_id.into(),
                member.professional_id.into(),
                member.organisation_id.into(),
                role.as_str().into(),
                joined_at.into(),
                Option::<DateTime<Utc>>::None.into(),
                Option::<String>::None.into(),
                1.into(),
            ]);
        }

        // Consents differ per organisation: some domains given, a few given and revoked.
        for (member, _) in &members {
            let domains = &directory.organisations[member.organisation].domains;
            let recorded_at = random.moment(opened_at, last_activity_at);
            let method = *random.pick(ConsentMethod::ALL);
            let mut any = false;
            for domain in domains {
                let draw = random.below(100);
                if draw >= 62 {
                    continue;
                }
                any = true;
                let revoked = draw >= 55;
                self.consents.push([
                    random.id().into(),
                    case_id.into(),
                    member.organisation_id.into(),
                    domain.as_str().into(),
                    method.as_str().into(),
                    Some(lead.professional_id).into(),
                    recorded_at.into(),
                    revoked
                        .then(|| random.moment(recorded_at, last_activity_at))
                        .into(),
                    revoked.then_some(lead.professional_id).into(),
                    Value::from(if revoked { 2 } else { 1 }),
                ]);
            }
            if any {
                self.event(
                    random,
                    case_id,
                    recorded_at,
                    EventKind::ConsentRecorded,
                    None,
                    lead,
                );
            }
        }

        for _ in 0..random.between(1, 2) {
            let id = random.id();
            let at = random.moment(opened_at, last_activity_at);
            let by_resident = random.chance(0.3);
            let member = author(random);
            self.perspectives.push([
                id.into(),
                case_id.into(),
                (*random.pick(PERSPECTIVES)).into(),
                by_resident.into(),
                (!by_resident).then_some(member.professional_id).into(),
                at.into(),
                Option::<String>::None.into(),
            ]);
            if by_resident {
                self.case_events.push([
                    random.id().into(),
                    case_id.into(),
                    at.into(),
                    "perspective_recorded".into(),
                    Some("perspective").into(),
                    Some(id).into(),
                    Option::<Uuid>::None.into(),
                    Option::<Uuid>::None.into(),
                    true.into(),
                ]);
            } else {
                self.event(
                    random,
                    case_id,
                    at,
                    EventKind::PerspectiveRecorded,
                    Some(("perspective", id)),
                    member,
                );
            }
        }

        for _ in 0..random.between(7, 11) {
            let id = random.id();
            let at = random.moment(opened_at, last_activity_at);
            let member = author(random);
            let domain = *random.pick(LifeDomain::ALL);
            let (text, amount) = fact_text(domain, random);
            let need = if random.chance(0.8) {
                Need::NeedToKnow
            } else {
                Need::NiceToKnow
            };
            let sharing = if random.chance(0.85) {
                SharingLevel::Team
            } else {
                SharingLevel::Organisation
            };
            self.facts.push([
                id.into(),
                case_id.into(),
                member.organisation_id.into(),
                member.professional_id.into(),
                domain.as_str().into(),
                text.into(),
                amount.map(|(cents, _)| cents).into(),
                amount.map(|(_, period)| period.as_str()).into(),
                need.as_str().into(),
                sharing.as_str().into(),
                Option::<String>::None.into(),
                at.into(),
                at.into(),
                1.into(),
            ]);
            self.event(
                random,
                case_id,
                at,
                EventKind::FactAdded,
                Some(("fact", id)),
                member,
            );
        }

        for _ in 0..random.between(2, 4) {
            let id = random.id();
            let at = random.moment(opened_at, last_activity_at);
            let member = author(random);
            let kind = ProblemKind::ALL[random.weighted(&[40, 30, 30])];
            let domain = *random.pick(LifeDomain::ALL);
            let sharing = if random.chance(0.85) {
                SharingLevel::Team
            } else {
                SharingLevel::Organisation
            };
            self.problems.push([
                id.into(),
                case_id.into(),
                member.organisation_id.into(),
                member.professional_id.into(),
                kind.as_str().into(),
                domain.as_str().into(),
                problem_text(kind, domain).into(),
                random.chance(0.7).into(),
                sharing.as_str().into(),
                Option::<String>::None.into(),
                at.into(),
                at.into(),
                1.into(),
            ]);
            self.event(
                random,
                case_id,
                at,
                EventKind::ProblemAdded,
                Some(("problem", id)),
                member,
            );
        }

        for _ in 0..random.between(1, 2) {
            let id = random.id();
            let at = random.moment(opened_at, last_activity_at);
            let member = author(random);
            let status = if closed || random.chance(0.3) {
                FirstStepStatus::Done
            } else {
                FirstStepStatus::Open
            };
            self.first_steps.push([
                id.into(),
                case_id.into(),
                (*random.pick(FIRST_STEPS)).into(),
                random
                    .chance(0.5)
                    .then_some("The resident wants this more than anything")
                    .into(),
                Option::<String>::None.into(),
                random
                    .chance(0.3)
                    .then_some("The partner can decide this week")
                    .into(),
                status.as_str().into(),
                member.organisation_id.into(),
                member.professional_id.into(),
                Option::<String>::None.into(),
                at.into(),
                at.into(),
                1.into(),
            ]);
            self.event(
                random,
                case_id,
                at,
                EventKind::FirstStepAdded,
                Some(("first_step", id)),
                member,
            );
        }

        let today = now.date_naive();
        for _ in 0..random.between(3, 7) {
            let id = random.id();
            let at = random.moment(opened_at, last_activity_at);
            let member = author(random);
            let assignee_kind = AssigneeKind::ALL[random.weighted(&[25, 10, 10, 35, 15, 5])];
            let assigned = *random.pick(&members);
            let (assignee_professional, assignee_organisation, assignee_name) = match assignee_kind
            {
                AssigneeKind::TeamMember => (
                    Some(assigned.0.professional_id),
                    Some(assigned.0.organisation_id),
                    None,
                ),
                AssigneeKind::Organisation => (None, Some(assigned.0.organisation_id), None),
                AssigneeKind::Network => (None, None, Some("Her sister")),
                AssigneeKind::SocialBase => (None, None, Some("Community centre De Pijp")),
                AssigneeKind::Specialist => (None, None, Some("Debt counsellor")),
                AssigneeKind::Resident => (None, None, None),
            };
            let due_on = (at + Duration::days(random.between(7, 120) as i64)).date_naive();
            let status = if closed {
                AgreementStatus::ALL[random.weighted(&[0, 0, 85, 15])]
            } else if due_on < today {
                AgreementStatus::ALL[random.weighted(&[30, 10, 50, 10])]
            } else {
                AgreementStatus::ALL[random.weighted(&[60, 30, 10, 0])]
            };
            let changed_at = random.moment(at, last_activity_at);
            self.agreements.push([
                id.into(),
                case_id.into(),
                (*random.pick(AGREEMENTS)).into(),
                assignee_kind.as_str().into(),
                assignee_professional.into(),
                assignee_organisation.into(),
                assignee_name.into(),
                Some(due_on).into(),
                random
                    .chance(0.2)
                    .then(|| due_on + Duration::days(14))
                    .into(),
                status.as_str().into(),
                Some(member.professional_id).into(),
                changed_at.into(),
                member.organisation_id.into(),
                member.professional_id.into(),
                Option::<String>::None.into(),
                at.into(),
                1.into(),
            ]);
            self.event(
                random,
                case_id,
                at,
                EventKind::AgreementAdded,
                Some(("agreement", id)),
                member,
            );
        }

        if random.chance(0.4) {
            let id = random.id();
            let at = random.moment(opened_at, last_activity_at);
            self.evaluations.push([
                id.into(),
                case_id.into(),
                "The eviction is off the table; the debts are being mapped".into(),
                closed.into(),
                Some("Meeting at the resident's home with all partners").into(),
                (!closed)
                    .then_some("A payment plan the resident can keep")
                    .into(),
                (!closed)
                    .then(|| (at + Duration::days(42)).date_naive())
                    .into(),
                lead.organisation_id.into(),
                lead.professional_id.into(),
                Option::<String>::None.into(),
                at.into(),
            ]);
            self.event(
                random,
                case_id,
                at,
                EventKind::EvaluationRecorded,
                Some(("evaluation", id)),
                lead,
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_statements_number_their_parameters_per_backend() {
        assert_eq!(
            insert_sql(DatabaseBackend::Postgres, "t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            insert_sql(DatabaseBackend::Sqlite, "t", &["a"], 3),
            "INSERT INTO t (a) VALUES (?), (?), (?)"
        );
    }

    #[test]
    fn the_directory_has_dozens_of_organisations_of_every_kind() {
        let directory = Directory::plan(&mut Random::new(1)).expect("valid names");
        assert!(directory.organisations.len() >= 24);
        for kind in OrganisationKind::ALL {
            assert!(
                directory
                    .organisations
                    .iter()
                    .any(|organisation| organisation.kind == *kind)
            );
        }
        let mut slugs: Vec<&str> = directory
            .organisations
            .iter()
            .map(|organisation| organisation.slug.as_str())
            .collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), directory.organisations.len());
    }

    #[test]
    fn ids_are_version_7_and_keep_the_order_they_were_made_in() {
        let mut random = Random::new(3);
        let ids: Vec<Uuid> = (0..10_000).map(|_| random.id()).collect();
        assert!(ids.iter().all(|id| id.get_version_num() == 7));
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn teams_have_three_to_five_distinct_organisations() {
        let mut random = Random::new(7);
        let directory = Directory::plan(&mut random).expect("valid names");
        for team in plan_teams(&directory, 1_000, &mut random) {
            let organisations = team.organisations();
            assert!((3..=5).contains(&organisations.len()));
            let distinct: BTreeSet<_> = organisations.iter().collect();
            assert_eq!(distinct.len(), organisations.len());
        }
    }
}
