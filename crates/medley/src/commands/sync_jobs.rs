//! `medley sync-jobs …`: the scheduled one-way syncs, from the command line.

use std::sync::Arc;

use anyhow::anyhow;
use clap::Subcommand;
use medley_app::jobs::Trigger;
use medley_app::sync_jobs;
use medley_app::{App, AppConfig};
use medley_domain::paging::Page;
use medley_domain::SyncJobId;
use medley_events::Bus;
use medley_search::SearchIndex;

use super::open_store;
use crate::config::Config;

#[derive(Subcommand)]
pub enum SyncJobCommand {
    /// List a user's sync jobs.
    List {
        #[arg(long)]
        user: String,
    },
    /// Copy new tracks of SOURCE into TARGET on a cron schedule.
    Add {
        #[arg(long)]
        user: String,
        /// `medley:playlist:<id>`
        #[arg(long)]
        source: String,
        /// `medley:playlist:<id>`
        #[arg(long)]
        target: String,
        /// Five-field cron, e.g. "0 9 * * MON".
        #[arg(long)]
        schedule: String,
        #[arg(long, default_value = "UTC")]
        timezone: String,
    },
    Pause {
        id: SyncJobId,
    },
    Resume {
        id: SyncJobId,
    },
    /// Run a job now, here, and print what it did.
    Run {
        id: SyncJobId,
    },
    Delete {
        id: SyncJobId,
    },
    /// A job's recent runs.
    Runs {
        id: SyncJobId,
    },
}

pub async fn run(config: &Config, command: SyncJobCommand) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let state = App::new(
        store.clone(),
        Bus::new(),
        Arc::new(SearchIndex::in_memory()?),
        AppConfig {
            max_playlist_items: config.max_playlist_items,
            ..AppConfig::default()
        },
    );
    let user = |name: String| {
        let state = state.clone();
        async move {
            state
                .store
                .user_by_username(&name)
                .await?
                .map(|(u, _)| u)
                .ok_or_else(|| anyhow!("no user named `{name}`"))
        }
    };
    let job = |id: SyncJobId| {
        let state = state.clone();
        async move {
            sync_jobs::find(&state, &id)
                .await
                .map_err(|e| anyhow!("{e}"))
        }
    };
    let api = |e: medley_app::AppError| anyhow!("{e}");
    match command {
        SyncJobCommand::List { user: name } => {
            let owner = user(name).await?;
            println!(
                "{:<22}  {:<16} {:<15} {:<6} SOURCE → TARGET",
                "ID", "SCHEDULE", "TIMEZONE", "PAUSED"
            );
            for j in sync_jobs::list(&state, &owner).await.map_err(api)? {
                println!(
                    "{:<22}  {:<16} {:<15} {:<6} {} → {}",
                    j.id, j.schedule, j.timezone, j.paused, j.source_uri, j.target_uri
                );
            }
        }
        SyncJobCommand::Add {
            user: name,
            source,
            target,
            schedule,
            timezone,
        } => {
            let owner = user(name).await?;
            let j = sync_jobs::create(&state, &owner, &source, &target, &schedule, &timezone)
                .await
                .map_err(api)?;
            println!("created sync job {}", j.id);
        }
        SyncJobCommand::Pause { id } => {
            sync_jobs::set_paused(&state, &job(id.clone()).await?, true)
                .await
                .map_err(api)?;
            println!("paused {id}");
        }
        SyncJobCommand::Resume { id } => {
            sync_jobs::set_paused(&state, &job(id.clone()).await?, false)
                .await
                .map_err(api)?;
            println!("resumed {id}");
        }
        SyncJobCommand::Run { id } => {
            job(id.clone()).await?;
            let r = sync_jobs::run(&state, &id, Trigger::Manual)
                .await
                .map_err(api)?
                .ok_or_else(|| anyhow!("sync job `{id}` was deleted"))?;
            match r.error {
                None => println!("added {}, skipped {}", r.added, r.skipped),
                Some(e) => return Err(anyhow!("the run failed: {e}")),
            }
        }
        SyncJobCommand::Delete { id } => {
            if !sync_jobs::delete(&state, &job(id.clone()).await?)
                .await
                .map_err(api)?
            {
                return Err(anyhow!("no sync job `{id}`"));
            }
            println!("deleted {id}");
        }
        SyncJobCommand::Runs { id } => {
            let job = job(id.clone()).await?;
            println!(
                "{:<8} {:<24} {:>6} {:>8}  ERROR",
                "TRIGGER", "STARTED (ms)", "ADDED", "SKIPPED"
            );
            let first = Page {
                limit: 50,
                offset: 0,
            };
            for r in sync_jobs::runs(&state, &job, first).await.map_err(api)?.0 {
                println!(
                    "{:<8} {:<24} {:>6} {:>8}  {}",
                    r.trigger,
                    r.started_at_ms,
                    r.added,
                    r.skipped,
                    r.error.unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}
