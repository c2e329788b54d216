"""Drives Medley's OpenSubsonic API (/rest) with py-opensonic, a third-party client from PyPI.

Run by crates/api/tests/api/subsonic_client.rs, which starts the server, scans a library and
passes what it needs in the environment. Prints one JSON object of what the client saw; the
Rust test checks it against the server's state. Any client error fails the run.
"""

import asyncio
import hashlib
import json
import os
import sys

import libopensonic


def env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set")
    return value


async def main():
    host, port = env("SUBSONIC_HOST"), int(env("SUBSONIC_PORT"))
    out = {}

    keyed = libopensonic.AsyncConnection(
        host, port=port, api_key=env("SUBSONIC_API_KEY"),
        app_name="medley-test")
    try:
        out["ping"] = await keyed.ping()
        extensions = await keyed.get_open_subsonic_extensions()
        out["extensions"] = sorted(e.name for e in extensions)

        everything = await keyed.search3("", artist_count=100, album_count=100, song_count=100)
        out["all_songs"] = sorted(s.title for s in everything.song or [])
        out["all_albums"] = sorted(a.name for a in everything.album or [])
        out["all_artists"] = sorted(a.name for a in everything.artist or [])
        page = await keyed.search3("", artist_count=0, album_count=0, song_count=2, song_offset=1)
        out["page_of_songs"] = [s.title for s in page.song or []]

        found = await keyed.search3("hum")
        hum = next(s for s in found.song if s.title == "Hum")
        out["hum"] = {"id": hum.id, "album": hum.album, "artist": hum.artist,
                      "album_id": hum.album_id, "duration": hum.duration,
                      "suffix": hum.suffix, "genre": hum.genre, "year": hum.year}

        album = await keyed.get_album(hum.album_id)
        out["album"] = {"name": album.name, "artist": album.artist,
                        "song_count": album.song_count,
                        "songs": [s.title for s in album.song or []]}

        song_ids = [s.id for s in album.song]
        await keyed.create_playlist(name="From py-opensonic", song_ids=song_ids)
        mine = await keyed.get_playlists()
        created = next(p for p in mine if p.name == "From py-opensonic")
        full = await keyed.get_playlist(created.id)
        out["playlist"] = {"id": created.id, "song_count": full.song_count,
                           "entries": [e.id for e in full.entry or []]}

        response = await keyed.stream(hum.id)
        body = await response.read()
        out["stream"] = {"sha256": hashlib.sha256(body).hexdigest(),
                         "content_type": response.headers.get("Content-Type")}

        out["scrobbled"] = await keyed.scrobble(hum.id, submission=True)
        await keyed.star(sids=[hum.id], album_ids=[hum.album_id])
        starred = await keyed.get_starred2()
        out["starred_songs"] = [s.id for s in starred.song or []]
        out["starred_albums"] = [a.id for a in starred.album or []]
    finally:
        await keyed.cleanup()

    # Subsonic's token authentication, with the user's Subsonic password.
    for legacy in (False, True):
        token = libopensonic.AsyncConnection(
            host, username=env("SUBSONIC_USER"), password=env("SUBSONIC_PASSWORD"), port=port,
            legacy_auth=legacy, app_name="medley-test")
        try:
            out["password_ping" if legacy else "token_ping"] = await token.ping()
        finally:
            await token.cleanup()

    print(json.dumps(out))


asyncio.run(main())
