//! The sync job use case over ends held in memory (see `sources::memory`): no Spotify is
//! configured and no HTTP is spoken; jobs are made and run through the app's `ends`.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use medley_compose::Track;
use medley_domain::TrackId;

use super::{create, run};
use crate::error::AppError;
use crate::jobs::Trigger;
use crate::sources::memory::{items, start, InMemory, InMemoryEnds, Start};

const WEEKLY: &str = "0 9 * * MON";

#[tokio::test]
async fn a_sync_job_appends_only_what_is_new_and_refuses_targets_it_cannot_write() {
    let Start {
        db: _db,
        mut app,
        songs,
        user,
    } = start(5).await;
    let t: Vec<&Track> = songs.iter().collect();
    let ids: Vec<TrackId> = songs.iter().map(|t| t.id.clone()).collect();

    let (liked, mix, locked) = ("spotify:user:ana:collection", "memory:mix", "memory:locked");
    let source = InMemory::new(liked, &[t[0], t[1]]);
    let target = InMemory::new(mix, &[t[3]]);
    let read_only = InMemory::new(locked, &[]);
    read_only.writable.store(false, Ordering::SeqCst);
    app.ends = Arc::new(InMemoryEnds {
        sources: HashMap::from([(liked.to_owned(), source.clone())]),
        targets: HashMap::from([
            (mix.to_owned(), target.clone()),
            (locked.to_owned(), read_only.clone()),
        ]),
    });
    assert!(app.spotify.is_none(), "no Spotify: the ends are the test's");

    let job = create(&app, &user, liked, mix, WEEKLY, "UTC")
        .await
        .unwrap();
    let first = run(&app, &job.id, Trigger::Manual).await.unwrap().unwrap();
    assert_eq!(
        (first.error.as_deref(), first.added),
        (None, 2),
        "{first:?}"
    );
    assert_eq!(
        target.held(),
        [ids[3].clone(), ids[0].clone(), ids[1].clone()]
    );

    // Only what is new in the source is appended; the target's own tracks stay.
    source.items.lock().unwrap().extend(items(&[t[2]]));
    let second = run(&app, &job.id, Trigger::Manual).await.unwrap().unwrap();
    assert_eq!((second.added, second.skipped), (1, 2), "{second:?}");
    assert_eq!(
        target.held(),
        [
            ids[3].clone(),
            ids[0].clone(),
            ids[1].clone(),
            ids[2].clone()
        ]
    );

    // A track the owner deleted from the target is not copied again.
    target
        .items
        .lock()
        .unwrap()
        .retain(|i| i.track.id != ids[0]);
    let third = run(&app, &job.id, Trigger::Manual).await.unwrap().unwrap();
    assert_eq!(
        (third.error.as_deref(), third.added),
        (None, 0),
        "{third:?}"
    );
    assert_eq!(
        target.held(),
        [ids[3].clone(), ids[1].clone(), ids[2].clone()]
    );

    // A target the owner may not change is refused when the job is made...
    let e = create(&app, &user, liked, locked, WEEKLY, "UTC")
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    // ...and so is an end that can only be read, naming what can be written to.
    let e = create(&app, &user, mix, liked, WEEKLY, "UTC")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, AppError::Invalid(m) if m.contains("`memory:mix`")),
        "{e:?}"
    );

    // A target that stopped being writable fails the run, and nothing is appended.
    target.writable.store(false, Ordering::SeqCst);
    source.items.lock().unwrap().extend(items(&[t[4]]));
    let refused = run(&app, &job.id, Trigger::Manual).await.unwrap().unwrap();
    assert!(
        refused
            .error
            .as_deref()
            .is_some_and(|e| e.contains("read-only")),
        "{refused:?}"
    );
    assert_eq!(refused.added, 0);
    assert_eq!(
        target.held(),
        [ids[3].clone(), ids[1].clone(), ids[2].clone()]
    );
}
