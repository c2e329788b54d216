//! `medley serve`: open storage, rebuild the search index, optionally fill the demo, listen,
//! and shut down gracefully on SIGTERM or ctrl-c.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use medley_api::{ApiConfig, AppState};
use medley_app::catalog::rebuild_search_index;
use medley_app::library::scan::ScanOptions;
use medley_app::library::watch;
use medley_app::shows::live::{ClusterLink, LiveConfig, Shows};
use medley_events::nats::NatsSettings;
use medley_events::Bus;
use medley_search::SearchIndex;
use medley_store::Store;
use tokio::net::TcpListener;

use crate::commands::open_store;
use crate::config::Config;
use crate::demo;

/// The longest a live show's lease lasts without renewal (see `cluster.lease`).
const SHOW_LEASE: std::time::Duration = std::time::Duration::from_secs(10);

pub async fn run(config: Config, with_demo: bool) -> anyhow::Result<()> {
    let shutdown = shutdown_signal()?;
    tracing::info!(?config, "starting medley {}", env!("CARGO_PKG_VERSION"));
    let sql = open_store(&config).await?;
    let store: Arc<dyn Store> = sql.clone();
    let bus = Bus::new();
    let search = Arc::new(SearchIndex::in_memory().context("creating the search index")?);

    let state_for = |public_url: String| {
        AppState::new(
            store.clone(),
            bus.clone(),
            search.clone(),
            ApiConfig {
                public_url,
                registration: config.registration,
                max_playlist_items: config.max_playlist_items,
                body_limit_bytes: config.body_limit_bytes,
                request_timeout: config.request_timeout,
                spool_dir: config.data_dir.join("uploads"),
                import_max_bytes: config.import_max_bytes,
                logins: config.edge.logins.clone(),
                trusted_proxies: config.edge.trusted_proxies.clone(),
                connections: config.edge.connections,
                ..ApiConfig::default()
            },
        )
    };

    let listener = TcpListener::bind(&config.bind)
        .await
        .with_context(|| format!("listening on {} (choose another with --bind)", config.bind))?;
    let addr = listener.local_addr()?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let mut state = state_for(public_url.clone());
    Arc::make_mut(&mut state.app).spotify = crate::commands::spotify(&config, &public_url)?;
    Arc::make_mut(&mut state.app).audio =
        Arc::new(crate::commands::library::serving_audio(&config)?);
    Arc::make_mut(&mut state.app).sealer = Arc::new(crate::commands::sealer(&config)?);
    tracing::info!(storage = %state.app.audio.storage.describe(), "audio storage");
    tracing::info!(transcoding = %state.app.audio.transcoder.describe(), "transcoding");
    Arc::make_mut(&mut state.app).node_id = node_id(&config.data_dir)?;
    let mut app_config = (*state.app.config).clone();
    app_config.lease = config.cluster.lease;
    Arc::make_mut(&mut state.app).config = Arc::new(app_config);
    // Several nodes: link the bus before the search index is built, so no write made on
    // another node meanwhile is missed.
    let linked = match &config.cluster.nats_url {
        Some(url) => {
            let settings = NatsSettings {
                url: url.clone(),
                subject_prefix: config.cluster.subject_prefix.clone(),
                node_id: state.app.node_id.clone(),
            };
            let linked = medley_events::nats::link(&bus, &settings)
                .await
                .context("joining the other nodes through NATS (MEDLEY_NATS_URL)")?;
            state.app.caches.announce_to(bus.clone());
            if let Some(spotify) = &state.app.spotify {
                spotify.announce_pauses_to(bus.clone());
            }
            // Live shows: each run by the node holding its lease, which a dead node's
            // shows lose within the lease (the work queue's, at most 10 s: listeners wait
            // that long for another node to take the show over).
            Arc::make_mut(&mut state.app).shows = Arc::new(Shows::clustered(
                LiveConfig::default(),
                ClusterLink {
                    client: linked.client().clone(),
                    subject_prefix: config.cluster.subject_prefix.clone(),
                    node: state.app.node_id.clone(),
                    lease: config.cluster.lease.min(SHOW_LEASE),
                },
            ));
            tracing::info!(nats = ?settings, "several nodes: events go through NATS");
            Some(linked)
        }
        None => None,
    };

    if with_demo {
        demo::fill(&state.app).await?;
    }
    let started = Instant::now();
    let indexed = rebuild_search_index(store.as_ref(), &search)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    tracing::info!(
        tracks = indexed,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "search index built"
    );

    let folders = &state.app.audio.settings.watch_folders;
    let _watch = if folders.is_empty() {
        None
    } else {
        let options = ScanOptions {
            copy: state.app.audio.storage.is_remote(),
        };
        let watch = watch::scan_and_watch(&state.app, folders, options)
            .map_err(|e| anyhow::anyhow!("the library folders (MEDLEY_LIBRARY_FOLDERS): {e}"))?;
        println!("Watching the library folders: {}", folders.join(", "));
        Some(watch)
    };

    if store.user_count().await? == 0 {
        println!(
            "No users yet. Create the first (it becomes the administrator) with\n  \
             MEDLEY_PASSWORD=... medley user add NAME\nor POST {public_url}/v1/users {{\"username\",\"password\"}}."
        );
    }
    println!("Medley is listening on {public_url} (API docs at {public_url}/docs)");
    medley_api::serve(listener, state, shutdown)
        .await
        .context("serving HTTP")?;
    if let Some(linked) = linked {
        // The last changes made here reach the other nodes before this one is gone.
        linked.flush().await;
    }
    tracing::info!("stopped accepting requests; closing the database");
    sql.close().await;
    Ok(())
}

/// This node's lasting name, kept in `<data-dir>/node-id` (made on first start).
fn node_id(data_dir: &std::path::Path) -> anyhow::Result<String> {
    let path = data_dir.join("node-id");
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => Ok(id.trim().to_owned()),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("reading the node's name from {}", path.display()))
        }
        _ => {
            let id = medley_domain::new_id();
            std::fs::write(&path, &id)
                .with_context(|| format!("writing the node's name to {}", path.display()))?;
            Ok(id)
        }
    }
}

/// A future that completes on ctrl-c or SIGTERM. The handlers are installed when this is
/// called, not when the future is first polled, so a signal that arrives while the server is
/// still starting up is not lost (and does not kill the process without a clean shutdown).
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate =
            signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
        let mut interrupt =
            signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => {},
                _ = interrupt.recv() => {},
            }
            tracing::info!("shutdown requested");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutdown requested");
        })
    }
}
