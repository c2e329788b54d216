//! `medley stats --user NAME …`: the listening statistics of the API as tables.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::anyhow;
use chrono::TimeZone;
use clap::{Args, Subcommand};
use medley_app::stats::{window, Histories, UserHistory};
use medley_app::{catalog, now_ms, App, AppConfig, AppError};
use medley_domain::{AlbumId, ArtistId, TrackId};
use medley_events::Bus;
use medley_search::SearchIndex;
use medley_stats::{self as stats, Bucket, By, Entity};
use medley_store::Store;

use super::open_store;
use crate::config::Config;

#[derive(Args)]
pub struct StatsArgs {
    /// Whose statistics.
    #[arg(long)]
    pub user: String,
    /// Start: an RFC 3339 time or a date (default: all time).
    #[arg(long, global = true)]
    pub from: Option<String>,
    /// End: an RFC 3339 time or a date, included (default: now).
    #[arg(long, global = true)]
    pub to: Option<String>,
    /// IANA time zone (default UTC).
    #[arg(long, global = true)]
    pub tz: Option<String>,
    /// A listen counts from this many ms (default 30000).
    #[arg(long, global = true)]
    pub min_ms: Option<i64>,
    /// Count podcast episodes and audiobooks too.
    #[arg(long, global = true)]
    pub podcasts: bool,
    #[command(subcommand)]
    pub question: Question,
}

#[derive(Subcommand)]
pub enum Question {
    /// Top tracks, artists or albums.
    Top {
        /// tracks, artists or albums
        kind: String,
        /// Rank by listening time instead of plays.
        #[arg(long)]
        by_time: bool,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Plays, time and distinct tracks, artists, albums.
    Totals,
    /// Plays per day, week, month or year.
    Timeline {
        #[arg(long, default_value = "month")]
        bucket: String,
    },
    /// Plays by weekday and hour.
    Heatmap,
    /// Longest and current run of days with plays.
    Streaks,
    /// First listens ever per period.
    Discoveries {
        /// tracks or artists
        #[arg(default_value = "tracks")]
        kind: String,
        #[arg(long, default_value = "month")]
        bucket: String,
        /// How many first listens to name per period.
        #[arg(long, default_value_t = 3)]
        limit: usize,
    },
    /// Skip rates, overall and for the most played.
    Skips {
        /// tracks or artists
        #[arg(default_value = "artists")]
        kind: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// The window (--from, --to) against a second one.
    Compare {
        /// Start of the second window.
        #[arg(long)]
        vs_from: String,
        /// End of the second window.
        #[arg(long)]
        vs_to: String,
        /// tracks or artists
        #[arg(default_value = "artists")]
        kind: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Much played in the window, not in the last days.
    Forgotten {
        /// tracks or artists
        #[arg(default_value = "tracks")]
        kind: String,
        #[arg(long, default_value_t = 90)]
        quiet_days: u32,
        #[arg(long, default_value_t = 10)]
        min_plays: u64,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

fn bucket(name: &str) -> anyhow::Result<Bucket> {
    match name {
        "day" => Ok(Bucket::Day),
        "week" => Ok(Bucket::Week),
        "month" => Ok(Bucket::Month),
        "year" => Ok(Bucket::Year),
        other => Err(anyhow!(
            "--bucket must be day, week, month or year, not {other}"
        )),
    }
}

fn track_or_artist(kind: &str) -> anyhow::Result<Entity> {
    match kind {
        "tracks" => Ok(Entity::Track),
        "artists" => Ok(Entity::Artist),
        other => Err(anyhow!("`{other}`: use tracks or artists")),
    }
}

fn entity(kind: &str) -> anyhow::Result<Entity> {
    match kind {
        "tracks" => Ok(Entity::Track),
        "artists" => Ok(Entity::Artist),
        "albums" => Ok(Entity::Album),
        other => Err(anyhow!(
            "no statistics of `{other}`: use tracks, artists or albums"
        )),
    }
}

pub async fn run(config: &Config, args: StatsArgs) -> anyhow::Result<()> {
    let handle = open_store(config).await?;
    let app = App::new(
        handle.clone(),
        Bus::new(),
        Arc::new(SearchIndex::in_memory()?),
        AppConfig::default(),
    );
    let store: &dyn Store = handle.as_ref();
    let (user, _) = store
        .user_by_username(&args.user)
        .await?
        .ok_or_else(|| anyhow!("no user named {}", args.user))?;
    let q = window(
        args.from.as_deref(),
        args.to.as_deref(),
        args.tz.as_deref(),
        args.min_ms,
        Some(args.podcasts),
    )
    .map_err(|e| anyhow!("{e}"))?;
    let h = Histories::default()
        .load(store, &user.id)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    match args.question {
        Question::Top {
            kind,
            by_time,
            limit,
        } => {
            let entity = entity(&kind)?;
            let by = if by_time { By::Time } else { By::Plays };
            let top = stats::top(&h.history, &q, entity, by, limit.max(1), 0);
            let indices: Vec<u32> = top.rows.iter().map(|r| r.entity).collect();
            let labels = labels(&app, &h, entity, &indices).await?;
            println!(
                "{:>4} {:>7} {:>9}  {}",
                "#",
                "PLAYS",
                "HOURS",
                kind.to_uppercase()
            );
            for (i, (r, label)) in top.rows.iter().zip(labels).enumerate() {
                println!(
                    "{:>4} {:>7} {:>9.1}  {label}",
                    i + 1,
                    r.plays,
                    r.ms as f64 / 3.6e6
                );
            }
            println!("{} {kind} in all", top.total);
        }
        Question::Totals => {
            let t = stats::totals(&h.history, &q);
            println!("plays             {}", t.plays);
            println!("hours             {:.1}", t.ms as f64 / 3.6e6);
            println!("distinct tracks   {}", t.distinct_tracks);
            println!("distinct episodes {}", t.distinct_episodes);
            println!("distinct artists  {}", t.distinct_artists);
            println!("distinct albums   {}", t.distinct_albums);
        }
        Question::Timeline { bucket } => {
            let bucket = match bucket.as_str() {
                "day" => Bucket::Day,
                "week" => Bucket::Week,
                "month" => Bucket::Month,
                "year" => Bucket::Year,
                other => {
                    return Err(anyhow!(
                        "--bucket must be day, week, month or year, not {other}"
                    ))
                }
            };
            println!("{:<10} {:>7} {:>9}", "START", "PLAYS", "HOURS");
            for p in stats::timeline(&h.history, &q, bucket) {
                println!(
                    "{:<10} {:>7} {:>9.1}",
                    p.start,
                    p.plays,
                    p.ms as f64 / 3.6e6
                );
            }
        }
        Question::Heatmap => {
            let map = stats::heatmap(&h.history, &q);
            print!("{:<4}", "");
            for hour in 0..24 {
                print!("{hour:>5}");
            }
            println!();
            for (day, row) in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
                .iter()
                .zip(&map.cells)
            {
                print!("{day:<4}");
                for cell in row {
                    print!("{:>5}", cell.plays);
                }
                println!();
            }
        }
        Question::Streaks => {
            let today =
                q.tz.timestamp_millis_opt(now_ms())
                    .single()
                    .map(|t| t.date_naive())
                    .ok_or_else(|| anyhow!("the clock is out of range"))?;
            let s = stats::streaks(&h.history, &q, today);
            let show = |r: Option<stats::Run>| {
                r.map_or("none".to_owned(), |r| {
                    format!("{} days, {} to {}", r.days, r.from, r.to)
                })
            };
            println!("longest  {}", show(s.longest));
            println!("current  {}", show(s.current));
        }
        Question::Discoveries {
            kind,
            bucket: name,
            limit,
        } => {
            let entity = track_or_artist(&kind)?;
            let periods = stats::discoveries(&h.history, &q, entity, bucket(&name)?, limit);
            let indices: Vec<u32> = periods
                .iter()
                .flat_map(|p| p.first.iter().map(|(e, _)| *e))
                .collect();
            let mut names = labels(&app, &h, entity, &indices).await?.into_iter();
            println!("{:<10} {:>6}  FIRST HEARD", "START", "NEW");
            for p in periods {
                let first: Vec<String> = p.first.iter().filter_map(|_| names.next()).collect();
                println!("{:<10} {:>6}  {}", p.start, p.count, first.join("; "));
            }
        }
        Question::Skips { kind, limit } => {
            let entity = track_or_artist(&kind)?;
            let s = stats::skips(&h.history, &q, entity, limit.max(1));
            let indices: Vec<u32> = s.rows.iter().map(|r| r.entity).collect();
            let names = labels(&app, &h, entity, &indices).await?;
            println!(
                "overall: {} of {} listens skipped ({:.1} %)",
                s.overall.skipped,
                s.overall.plays,
                s.overall.rate * 100.0
            );
            println!(
                "{:>7} {:>7} {:>7}  {}",
                "LISTENS",
                "SKIPPED",
                "RATE",
                kind.to_uppercase()
            );
            for (r, name) in s.rows.iter().zip(names) {
                println!(
                    "{:>7} {:>7} {:>6.1}%  {name}",
                    r.rate.plays,
                    r.rate.skipped,
                    r.rate.rate * 100.0
                );
            }
        }
        Question::Compare {
            vs_from,
            vs_to,
            kind,
            limit,
        } => {
            let entity = track_or_artist(&kind)?;
            let vs = window(
                Some(&vs_from),
                Some(&vs_to),
                args.tz.as_deref(),
                args.min_ms,
                Some(args.podcasts),
            )
            .map_err(|e| anyhow!("{e}"))?;
            let c = stats::compare(&h.history, &q, &vs, entity, limit.max(1));
            println!("plays: {} against {}", c.a.plays, c.b.plays);
            let indices: Vec<u32> = c.rows.iter().map(|r| r.entity).collect();
            let names = labels(&app, &h, entity, &indices).await?;
            let rank = |r: Option<usize>| r.map_or("-".to_owned(), |r| r.to_string());
            println!(
                "{:>6} {:>6} {:>6} {:>6}  {}",
                "PLAYS",
                "RANK",
                "VS",
                "RANK",
                kind.to_uppercase()
            );
            for (r, name) in c.rows.iter().zip(names) {
                println!(
                    "{:>6} {:>6} {:>6} {:>6}  {name}",
                    r.a_plays,
                    rank(r.a_rank),
                    r.b_plays,
                    rank(r.b_rank)
                );
            }
        }
        Question::Forgotten {
            kind,
            quiet_days,
            min_plays,
            limit,
        } => {
            let entity = track_or_artist(&kind)?;
            let rows = stats::forgotten(
                &h.history,
                &q,
                entity,
                now_ms(),
                quiet_days,
                min_plays.max(1),
                limit.max(1),
            );
            let indices: Vec<u32> = rows.iter().map(|r| r.entity).collect();
            let names = labels(&app, &h, entity, &indices).await?;
            println!(
                "{:>6}  {:<20}  {}",
                "PLAYS",
                "LAST PLAYED",
                kind.to_uppercase()
            );
            for (r, name) in rows.iter().zip(names) {
                println!(
                    "{:>6}  {:<20}  {name}",
                    r.plays,
                    medley_app::clock::timestamp(r.last_played_ms)
                );
            }
        }
    }
    Ok(())
}

fn app_error(e: AppError) -> anyhow::Error {
    anyhow!("{e}")
}

/// "Artist – Title", artist or album names for the engine's indices.
async fn labels(
    app: &App,
    h: &UserHistory,
    entity: Entity,
    indices: &[u32],
) -> anyhow::Result<Vec<String>> {
    let index = match entity {
        Entity::Track => &h.items,
        Entity::Artist => &h.artists,
        Entity::Album => &h.albums,
    };
    let ids: Vec<String> = indices.iter().map(|&i| index.id(i).to_owned()).collect();
    let mut names: HashMap<String, String> = HashMap::new();
    match entity {
        Entity::Track => {
            let tracks: Vec<TrackId> = ids.iter().cloned().map(TrackId::from).collect();
            for t in catalog::tracks(app, &tracks).await.map_err(app_error)? {
                let artist = t.artists.first().map_or("", |a| a.name.as_str());
                names.insert(t.id.into_string(), format!("{artist} – {}", t.name));
            }
        }
        Entity::Artist => {
            let artists: Vec<ArtistId> = ids.iter().cloned().map(ArtistId::from).collect();
            for a in catalog::stored_artists(app, &artists)
                .await
                .map_err(app_error)?
            {
                names.insert(a.id.into_string(), a.name);
            }
        }
        Entity::Album => {
            let albums: Vec<AlbumId> = ids.iter().cloned().map(AlbumId::from).collect();
            for a in catalog::stored_albums(app, &albums)
                .await
                .map_err(app_error)?
            {
                let artist = a.artists.first().map_or("", |x| x.name.as_str());
                names.insert(a.id.to_string(), format!("{artist} – {}", a.name));
            }
        }
    }
    for (id, p) in catalog::podcast_entities(app, &ids)
        .await
        .map_err(app_error)?
    {
        let label = if p.kind == "episode" {
            format!("{} – {}", p.detail, p.name)
        } else {
            p.name
        };
        names.insert(id, label);
    }
    Ok(ids
        .into_iter()
        .map(|id| names.remove(&id).unwrap_or(id))
        .collect())
}
