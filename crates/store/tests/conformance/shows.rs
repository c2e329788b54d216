//! Live shows in storage, one suite on both backends (PostgreSQL when
//! `MEDLEY_TEST_DATABASE_URL` is set): details and their states, visibility, invites, and
//! what a live show's actor writes (comments, bans, history, its live state).

use medley_domain::{ShowId, UserId};
use medley_store::{
    HistoryEntry, LiveEvent, LiveState, LiveWrite, NewShow, NewUser, SessionChange, ShowBan,
    ShowChange, ShowComment, ShowState, ShowStore, ShowVisibility, SqlStore, StoreError, UserStore,
};

on_both_backends!(
    shows_move_from_scheduled_to_live_to_ended,
    visibility_decides_who_lists_a_show,
    a_live_show_records_comments_bans_history_and_state,
    one_node_at_a_time_holds_a_live_show,
    a_live_show_keeps_the_events_of_its_replay_buffer,
    a_live_show_keeps_its_sessions_as_they_open_and_close,
);

async fn user(store: &SqlStore, name: &str) -> UserId {
    store
        .create_user(NewUser {
            id: UserId::new(),
            username: name.into(),
            password_hash: "h".into(),
            display_name: None,
            now_ms: 1,
        })
        .await
        .unwrap()
        .id
}

async fn show(store: &SqlStore, creator: &str, visibility: ShowVisibility, now: i64) -> ShowId {
    store
        .create_show(NewShow {
            id: ShowId::new(),
            creator_id: creator.into(),
            title: format!("{visibility} show"),
            description: None,
            playlist_id: None,
            visibility,
            scheduled_for_ms: Some(now + 1_000),
            now_ms: now,
        })
        .await
        .unwrap()
        .id
}

fn live(seq: i64) -> LiveState {
    LiveState {
        state: format!("{{\"seq\": {seq}}}"),
        seq,
    }
}

async fn shows_move_from_scheduled_to_live_to_ended(store: SqlStore) {
    let ana = user(&store, "ana").await;
    let id = show(&store, &ana, ShowVisibility::Public, 10).await;
    let s = store.show(&id).await.unwrap().unwrap();
    assert_eq!(
        (s.state.as_str(), s.scheduled_for_ms),
        ("scheduled", Some(1_010))
    );
    assert_eq!((s.started_at_ms, s.ended_at_ms), (None, None));
    assert_eq!(store.live_state(&id).await.unwrap(), None);

    let change = ShowChange {
        title: Some("Renamed".into()),
        description: Some(Some("About".into())),
        scheduled_for_ms: Some(None),
        ..Default::default()
    };
    let s = store.update_show(&id, &change, 20).await.unwrap();
    assert_eq!(s.title, "Renamed");
    assert_eq!(s.description.as_deref(), Some("About"));
    assert_eq!((s.scheduled_for_ms, s.updated_at_ms), (None, 20));
    assert_eq!(
        s.visibility,
        ShowVisibility::Public,
        "fields not named are kept"
    );
    let clear = ShowChange {
        description: Some(None),
        ..Default::default()
    };
    assert_eq!(
        store
            .update_show(&id, &clear, 21)
            .await
            .unwrap()
            .description,
        None
    );

    let s = store.start_show(&id, &live(0), 30).await.unwrap();
    assert_eq!((s.state.as_str(), s.started_at_ms), ("live", Some(30)));
    assert_eq!(store.live_state(&id).await.unwrap(), Some(live(0)));
    let again = store.start_show(&id, &live(0), 31).await.unwrap_err();
    assert!(
        matches!(&again, StoreError::Conflict(m) if m.contains("live")),
        "{again:?}"
    );
    assert!(matches!(
        store.start_show(&ShowId::new(), &live(0), 31).await,
        Err(StoreError::NotFound)
    ));

    let end = LiveWrite {
        snapshot: Some(live(7)),
        ended_at_ms: Some(40),
        ..Default::default()
    };
    store.write_live(&id, &end).await.unwrap();
    let s = store.show(&id).await.unwrap().unwrap();
    assert_eq!((s.state.as_str(), s.ended_at_ms), ("ended", Some(40)));
    assert_eq!(store.live_state(&id).await.unwrap(), Some(live(7)));
    let late = store.update_show(&id, &change, 50).await.unwrap_err();
    assert!(
        matches!(&late, StoreError::Conflict(m) if m.contains("ended")),
        "{late:?}"
    );
}

async fn visibility_decides_who_lists_a_show(store: SqlStore) {
    let ana = user(&store, "ana").await;
    let bob = user(&store, "bob").await;
    let cy = user(&store, "cy").await;
    let public = show(&store, &ana, ShowVisibility::Public, 1).await;
    let followers = show(&store, &ana, ShowVisibility::Followers, 2).await;
    let invite = show(&store, &ana, ShowVisibility::Invite, 3).await;
    store
        .follow_users(&bob, std::slice::from_ref(&ana), 5)
        .await
        .unwrap();

    let ids = |shows: Vec<medley_store::StoredShow>| -> Vec<ShowId> {
        shows.into_iter().map(|s| s.id).collect()
    };
    let (all, total) = store.visible_shows(&ana, None, 10, 0).await.unwrap();
    assert_eq!(
        ids(all),
        [invite.clone(), followers.clone(), public.clone()]
    );
    assert_eq!(total, 3);
    let (seen, _) = store.visible_shows(&bob, None, 10, 0).await.unwrap();
    assert_eq!(ids(seen), [followers.clone(), public.clone()]);
    let (seen, total) = store.visible_shows(&cy, None, 10, 0).await.unwrap();
    assert_eq!((ids(seen), total), (vec![public.clone()], 1));

    // An invite makes a guest, once; a wrong code or another show's code does not.
    let code = "hash-of-code";
    store.add_show_invite(&invite, code, &ana, 6).await.unwrap();
    assert!(!store
        .redeem_show_invite(&invite, "nope", &cy, 7)
        .await
        .unwrap());
    assert!(!store
        .redeem_show_invite(&public, code, &cy, 7)
        .await
        .unwrap());
    assert!(!store.is_show_guest(&invite, &cy).await.unwrap());
    assert!(store
        .redeem_show_invite(&invite, code, &cy, 7)
        .await
        .unwrap());
    assert!(store
        .redeem_show_invite(&invite, code, &cy, 8)
        .await
        .unwrap());
    assert!(store.is_show_guest(&invite, &cy).await.unwrap());
    let (seen, _) = store.visible_shows(&cy, None, 10, 0).await.unwrap();
    assert_eq!(ids(seen), [invite.clone(), public.clone()]);

    // By state, each in its own order, with paging.
    store.start_show(&public, &live(0), 100).await.unwrap();
    store.start_show(&followers, &live(0), 200).await.unwrap();
    let (live_now, total) = store
        .visible_shows(&bob, Some(ShowState::Live), 10, 0)
        .await
        .unwrap();
    assert_eq!(
        (ids(live_now), total),
        (vec![followers.clone(), public.clone()], 2)
    );
    let (page, total) = store
        .visible_shows(&bob, Some(ShowState::Live), 1, 1)
        .await
        .unwrap();
    assert_eq!((ids(page), total), (vec![public.clone()], 2));
    let (scheduled, _) = store
        .visible_shows(&ana, Some(ShowState::Scheduled), 10, 0)
        .await
        .unwrap();
    assert_eq!(ids(scheduled), std::slice::from_ref(&invite));
    let (ended, total) = store
        .visible_shows(&ana, Some(ShowState::Ended), 10, 0)
        .await
        .unwrap();
    assert_eq!((ended.len(), total), (0, 0));
}

fn comment(id: &str, seq: i64, user: &str, text: &str) -> ShowComment {
    ShowComment {
        id: id.into(),
        seq,
        user_id: user.into(),
        text: text.into(),
        at_ms: 1_000 + seq,
    }
}

fn entry(seq: i64, op: &str, data: &str) -> HistoryEntry {
    HistoryEntry {
        seq,
        at_ms: 1_000 + seq,
        op: op.into(),
        data: data.into(),
    }
}

async fn a_live_show_records_comments_bans_history_and_state(store: SqlStore) {
    let ana = user(&store, "ana").await;
    let bob = user(&store, "bob").await;
    let id = show(&store, &ana, ShowVisibility::Public, 1).await;
    store.start_show(&id, &live(0), 10).await.unwrap();

    let first = LiveWrite {
        comments: vec![
            comment("c1", 2, &bob, "hello"),
            comment("c2", 3, &ana, "hi"),
        ],
        history: vec![entry(1, "joined", r#"{"user":"x","role":"creator"}"#)],
        bans: vec![ShowBan {
            user_id: bob.to_string(),
            by_id: ana.to_string(),
            at_ms: 1_005,
        }],
        ..Default::default()
    };
    store.write_live(&id, &first).await.unwrap();
    // A batch written again (a retry after an error) changes nothing.
    store.write_live(&id, &first).await.unwrap();
    let mut second = LiveWrite {
        deleted: vec![("c1".into(), ana.to_string(), 1_006)],
        history: vec![entry(4, "playback", r#"{"state":"playing"}"#)],
        snapshot: Some(live(3)),
        ..Default::default()
    };
    second.merge(LiveWrite {
        comments: vec![comment("c3", 5, &bob, "again")],
        unbans: vec![bob.to_string()],
        snapshot: Some(live(5)),
        ..Default::default()
    });
    assert!(!second.is_empty() && LiveWrite::default().is_empty());
    assert!(second.bans.is_empty() && second.unbans == [bob.clone()]);
    store.write_live(&id, &second).await.unwrap();

    let (comments, total) = store.show_comments(&id, 10, 0).await.unwrap();
    assert_eq!(total, 2, "deleted comments are left out");
    assert_eq!(
        comments,
        [
            comment("c2", 3, &ana, "hi"),
            comment("c3", 5, &bob, "again")
        ]
    );
    let (page, _) = store.show_comments(&id, 1, 1).await.unwrap();
    assert_eq!(page, [comment("c3", 5, &bob, "again")]);
    let (history, total) = store.show_history(&id, 10, 0).await.unwrap();
    assert_eq!(total, 2);
    assert_eq!(history[1], entry(4, "playback", r#"{"state":"playing"}"#));
    assert!(store.show_bans(&id).await.unwrap().is_empty(), "unbanned");
    assert_eq!(store.live_state(&id).await.unwrap(), Some(live(5)));

    let ban = LiveWrite {
        bans: vec![ShowBan {
            user_id: bob.to_string(),
            by_id: ana.to_string(),
            at_ms: 1_009,
        }],
        ..Default::default()
    };
    store.write_live(&id, &ban).await.unwrap();
    assert_eq!(store.show_bans(&id).await.unwrap(), ban.bans);
    // Another show's records are its own.
    let other = show(&store, &ana, ShowVisibility::Public, 2).await;
    assert_eq!(store.show_comments(&other, 10, 0).await.unwrap().1, 0);
    assert!(store.show_bans(&other).await.unwrap().is_empty());
}

async fn one_node_at_a_time_holds_a_live_show(store: SqlStore) {
    let ana = user(&store, "ana").await;
    let id = show(&store, &ana, ShowVisibility::Public, 10).await;
    store.start_show(&id, &live(0), 20).await.unwrap();
    // Node a takes it; b cannot while a's lease runs; a may take it again (a restart).
    assert!(store.claim_show(&id, "a", 100, 200).await.unwrap());
    assert!(!store.claim_show(&id, "b", 150, 250).await.unwrap());
    assert!(store.claim_show(&id, "a", 150, 250).await.unwrap());
    assert_eq!(store.show_audience(&id, 150).await.unwrap(), Some(0));
    assert!(store.renew_show(&id, "a", 300, 7).await.unwrap());
    assert!(!store.renew_show(&id, "b", 300, 9).await.unwrap());
    // The holder's count is every node's answer while the lease runs, and nobody's after.
    assert_eq!(store.show_audience(&id, 300).await.unwrap(), Some(7));
    assert_eq!(store.show_audience(&id, 301).await.unwrap(), None);
    // A holder's writes go through; another node's are refused.
    let write = |owner: &str| LiveWrite {
        snapshot: Some(live(1)),
        owner: Some(owner.into()),
        ..LiveWrite::default()
    };
    store.write_live(&id, &write("a")).await.unwrap();
    assert!(matches!(
        store.write_live(&id, &write("b")).await,
        Err(StoreError::Conflict(_))
    ));
    // Once a's lease has run out, b takes it, and a can neither renew nor write.
    assert!(!store.claim_show(&id, "b", 300, 400).await.unwrap());
    assert!(store.claim_show(&id, "b", 301, 400).await.unwrap());
    assert!(!store.renew_show(&id, "a", 500, 1).await.unwrap());
    assert!(store.write_live(&id, &write("a")).await.is_err());
    assert_eq!(store.live_state(&id).await.unwrap().unwrap().seq, 1);
    // Released, it is anyone's; a release by another node changes nothing.
    store.release_show(&id, "a").await.unwrap();
    assert!(!store.claim_show(&id, "c", 302, 400).await.unwrap());
    store.release_show(&id, "b").await.unwrap();
    assert!(store.claim_show(&id, "c", 302, 400).await.unwrap());
}

async fn a_live_show_keeps_the_events_of_its_replay_buffer(store: SqlStore) {
    let ana = user(&store, "ana").await;
    let id = show(&store, &ana, ShowVisibility::Public, 10).await;
    let other = show(&store, &ana, ShowVisibility::Public, 11).await;
    store.start_show(&id, &live(0), 20).await.unwrap();
    store.start_show(&other, &live(0), 20).await.unwrap();
    let event = |seq: i64, text: &str| LiveEvent {
        seq,
        at_ms: 100 + seq,
        event: format!("{{\"seq\":{seq},\"text\":\"{text}\"}}"),
    };
    let events = |range: std::ops::RangeInclusive<i64>, text: &str| LiveWrite {
        events: range.map(|seq| event(seq, text)).collect(),
        ..LiveWrite::default()
    };
    store
        .write_live(&id, &events(1..=5, "first run"))
        .await
        .unwrap();
    store
        .write_live(&other, &events(1..=2, "other"))
        .await
        .unwrap();
    // Up to the state's seq, in order.
    let read = store.live_events(&id, 4).await.unwrap();
    assert_eq!(
        read,
        (1..=4).map(|s| event(s, "first run")).collect::<Vec<_>>()
    );
    // A restarted show writes its seqs again: the later write wins. Older ones are dropped
    // once the buffer no longer holds them.
    let mut again = events(4..=6, "second run");
    again.events_from = Some(3);
    again.snapshot = Some(live(6));
    store.write_live(&id, &again).await.unwrap();
    let read = store.live_events(&id, 6).await.unwrap();
    let mut expected = vec![event(3, "first run")];
    expected.extend((4..=6).map(|s| event(s, "second run")));
    assert_eq!(read, expected);
    assert_eq!(store.live_events(&other, 9).await.unwrap().len(), 2);
    // An ended show keeps none; other shows keep theirs.
    let end = LiveWrite {
        ended_at_ms: Some(200),
        ..LiveWrite::default()
    };
    store.write_live(&id, &end).await.unwrap();
    assert!(store.live_events(&id, 9).await.unwrap().is_empty());
    assert_eq!(store.live_events(&other, 9).await.unwrap().len(), 2);
}

async fn a_live_show_keeps_its_sessions_as_they_open_and_close(store: SqlStore) {
    let ana = user(&store, "ana").await;
    let id = show(&store, &ana, ShowVisibility::Public, 10).await;
    let other = show(&store, &ana, ShowVisibility::Public, 11).await;
    store.start_show(&id, &live(0), 20).await.unwrap();
    store.start_show(&other, &live(0), 20).await.unwrap();
    let opened = |session: &str, user: &str| SessionChange::Opened {
        session: session.into(),
        user: user.into(),
    };
    let closed = |session: &str| SessionChange::Closed {
        session: session.into(),
    };
    let write = |sessions: Vec<SessionChange>| LiveWrite {
        sessions,
        ..LiveWrite::default()
    };
    // In order within a write: a session opened and closed in one batch is gone.
    store
        .write_live(
            &id,
            &write(vec![
                opened("s1", "u1"),
                opened("s2", "u2"),
                opened("s3", "u3"),
                closed("s2"),
            ]),
        )
        .await
        .unwrap();
    store
        .write_live(&other, &write(vec![opened("o1", "u1")]))
        .await
        .unwrap();
    // Merged batches keep the order too; written again, the same changes change nothing.
    let mut batch = write(vec![closed("s1")]);
    batch.merge(write(vec![opened("s1", "u1b")]));
    store.write_live(&id, &batch).await.unwrap();
    store.write_live(&id, &batch).await.unwrap();
    let pair = |s: &str, u: &str| (s.to_owned(), u.to_owned());
    assert_eq!(
        store.live_sessions(&id).await.unwrap(),
        [pair("s1", "u1b"), pair("s3", "u3")]
    );
    // An ended show keeps none; other shows keep theirs.
    let end = LiveWrite {
        ended_at_ms: Some(200),
        ..LiveWrite::default()
    };
    store.write_live(&id, &end).await.unwrap();
    assert!(store.live_sessions(&id).await.unwrap().is_empty());
    assert_eq!(
        store.live_sessions(&other).await.unwrap(),
        [pair("o1", "u1")]
    );
}
