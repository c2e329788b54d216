#!/usr/bin/env python3
"""Drives the real spotipy client (from PyPI) against a running Medley server.

Usage:
    flow.py BASE_URL TOKEN USER_ID USERNAME TRACK_ID TRACK_ID ...

or with the environment variables MEDLEY_BASE, MEDLEY_TOKEN, MEDLEY_USER_ID, MEDLEY_USERNAME
and MEDLEY_TRACK_IDS (comma-separated). TRACK_IDs are bare Medley track ids (the last part of
`medley:track:<id>`), at least 6, named "Track 0", "Track 1", ... in that order; spotipy turns
them into `spotify:track:<id>` URIs, which Medley resolves to its own tracks.

Exits 0 and prints "spotipy flow: ok (N checks)" when every check passes; otherwise exits 1
with a message naming the step, and for HTTP errors the status, URL and server message.
"""

import os
import sys
import traceback

try:
    import spotipy
except ImportError:
    sys.exit("spotipy is not installed: pip install spotipy")

CHECKS = 0
STEP = "start"


class Mismatch(Exception):
    pass


def check(cond, what):
    global CHECKS
    CHECKS += 1
    if not cond:
        raise Mismatch(what)


def step(name):
    global STEP
    STEP = name
    print(f"-- {name}", flush=True)


def args():
    argv = sys.argv[1:]
    if argv:
        if len(argv) < 5:
            sys.exit(__doc__)
        base, token, user_id, username, *tracks = argv
    else:
        env = os.environ
        try:
            base, token = env["MEDLEY_BASE"], env["MEDLEY_TOKEN"]
            user_id, username = env["MEDLEY_USER_ID"], env["MEDLEY_USERNAME"]
            tracks = [t for t in env["MEDLEY_TRACK_IDS"].split(",") if t]
        except KeyError as e:
            sys.exit(f"missing {e.args[0]}\n{__doc__}")
    if len(tracks) < 6:
        sys.exit(f"need at least 6 track ids, got {len(tracks)}")
    return base.rstrip("/"), token, user_id, username, tracks


def all_items(sp, pid):
    """Every item of the playlist, following `next` links two at a time (as spotipy's
    `sp.next` does, with the absolute URLs the server gives)."""
    page = sp.playlist_items(pid, limit=2)
    check(page is not None, "playlist_items returned no JSON")
    total = page["total"]
    items = list(page["items"])
    while page["next"]:
        page = sp.next(page)
        items.extend(page["items"])
    check(len(items) == total, f"following `next` gave {len(items)} items but `total` is {total}")
    return items


def expect_order(sp, pid, expected, names, what):
    items = all_items(sp, pid)
    got = [i["track"]["id"] for i in items]
    label = lambda ids: [names.get(t, t) for t in ids]
    check(got == expected, f"{what}: items are {label(got)}, expected {label(expected)}")
    for i in items:
        check(i["item"] is not None and i["item"]["id"] == i["track"]["id"],
              f"{what}: item['item'] and item['track'] differ: {i['item']!r} vs {i['track']!r}")
        check(i["track"]["type"] == "track", f"{what}: track object has type {i['track'].get('type')!r}")
    return items


def flow(base, token, user_id, username, tracks):
    sp = spotipy.Spotify(auth=token, requests_timeout=10, retries=0, status_retries=0)
    sp.prefix = base + "/v1/"
    names = {t: f"Track {i}" for i, t in enumerate(tracks)}
    t = tracks

    step("current_user")
    me = sp.current_user()
    check(me is not None, "current_user returned no JSON")
    check(me["id"] == user_id, f"current_user id is {me['id']!r}, expected {user_id!r}")
    check(me["display_name"] == username, f"display_name is {me['display_name']!r}, expected {username!r}")

    step("current_user_playlist_create")
    created = sp.current_user_playlist_create("spotipy flow", public=False, description="made by spotipy")
    check(created is not None, "playlist create returned no JSON")
    pid = created["id"]
    check(created["name"] == "spotipy flow", f"created playlist name is {created['name']!r}")
    check(created["owner"]["id"] == user_id, f"created playlist owner is {created['owner']!r}")
    check(created["public"] is False, f"created playlist public is {created['public']!r}")
    snapshots = [sp.playlist(pid)["snapshot_id"]]

    def snapshot_after(result, what):
        check(isinstance(result, dict) and result.get("snapshot_id"), f"{what}: no snapshot_id in {result!r}")
        current = sp.playlist(pid)["snapshot_id"]
        check(current == result["snapshot_id"],
              f"{what}: playlist(pid) snapshot_id {current!r} != returned {result['snapshot_id']!r}")
        check(current not in snapshots, f"{what}: snapshot_id {current!r} did not change (seen {snapshots})")
        snapshots.append(current)
        return current

    step("current_user_playlists")
    mine = sp.current_user_playlists()
    found = [p for p in mine["items"] if p["id"] == pid]
    check(len(found) == 1, f"playlist {pid} not in current_user_playlists: {[p['id'] for p in mine['items']]}")
    check(found[0]["name"] == "spotipy flow", f"listed playlist name is {found[0]['name']!r}")

    step("playlist_add_items (5 tracks)")
    r = sp.playlist_add_items(pid, t[0:5])
    snap = snapshot_after(r, "add 5")
    expect_order(sp, pid, t[0:5], names, "after adding 5")

    step("playlist_reorder_items (first to end)")
    r = sp.playlist_reorder_items(pid, range_start=0, insert_before=5, snapshot_id=snap)
    snapshot_after(r, "reorder")
    order = [t[1], t[2], t[3], t[4], t[0]]
    expect_order(sp, pid, order, names, "after moving the first to the end")

    step("playlist_add_items (duplicate of Track 2)")
    r = sp.playlist_add_items(pid, [t[2]])
    snapshot_after(r, "add duplicate")
    order = order + [t[2]]
    expect_order(sp, pid, order, names, "after adding Track 2 again")

    step("playlist_remove_all_occurrences_of_items (Track 2)")
    r = sp.playlist_remove_all_occurrences_of_items(pid, [t[2]])
    snapshot_after(r, "remove")
    order = [x for x in order if x != t[2]]
    items = expect_order(sp, pid, order, names, "after removing every Track 2")
    check(all(i["track"]["id"] != t[2] for i in items), "Track 2 is still in the playlist")

    step("playlist_add_items (position 0)")
    r = sp.playlist_add_items(pid, [t[5]], position=0)
    snapshot_after(r, "add at 0")
    order = [t[5]] + order
    expect_order(sp, pid, order, names, "after adding Track 5 at position 0")

    step("playlist")
    p = sp.playlist(pid)
    check(p["id"] == pid and p["name"] == "spotipy flow", f"playlist(pid) is {p['id']!r} {p['name']!r}")
    check(p["tracks"]["total"] == len(order), f"playlist tracks.total is {p['tracks']['total']}, expected {len(order)}")
    check([i["track"]["id"] for i in p["tracks"]["items"]] == order, "playlist(pid) tracks.items out of order")
    check(len(set(snapshots)) == len(snapshots) == 6, f"expected 6 distinct snapshots, got {snapshots}")

    step("search Track 3")
    res = sp.search("Track 3", type="track")
    check(res is not None and "tracks" in res, f"search has no `tracks`: {res!r}")
    tr = res["tracks"]
    keys = {"href", "items", "limit", "next", "offset", "previous", "total"}
    check(keys <= set(tr), f"search tracks paging lacks {sorted(keys - set(tr))}")
    hit = [x for x in tr["items"] if x["id"] == t[3]]
    check(len(hit) == 1, f"Track 3 ({t[3]}) not in search results {[x['name'] for x in tr['items']]}")
    check(hit[0]["name"] == "Track 3", f"search hit name is {hit[0]['name']!r}")
    check(hit[0]["artists"][0]["name"] == "Test Band", f"search hit artists: {hit[0]['artists']!r}")
    check(hit[0]["album"]["name"] == "Test Album", f"search hit album: {hit[0]['album']!r}")


def main():
    base, token, user_id, username, tracks = args()
    try:
        flow(base, token, user_id, username, tracks)
    except Mismatch as e:
        sys.exit(f"spotipy flow: FAILED at step '{STEP}' (check {CHECKS}): {e}")
    except spotipy.SpotifyException as e:
        sys.exit(f"spotipy flow: FAILED at step '{STEP}': HTTP {e.http_status}: {e.msg}")
    except Exception as e:  # a missing key, a wrong type: the server's JSON has the wrong shape
        traceback.print_exc()
        sys.exit(f"spotipy flow: FAILED at step '{STEP}': {type(e).__name__}: {e!r}")
    print(f"spotipy flow: ok ({CHECKS} checks)")


if __name__ == "__main__":
    main()
