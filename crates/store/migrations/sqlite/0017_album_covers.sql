-- Album covers: the picture found for an album (embedded in one of its files, or a
-- cover.jpg / folder.jpg / front.* beside them), stored once in the audio storage under the
-- SHA-256 of its bytes (`covers/ab/abcdef…`). Its size is kept so that API objects can give
-- the width and height of each resized image without reading it. `cover_source` is
-- 'folder' or 'embedded': a picture beside the files wins over an embedded one.
-- `cover_set_at` (Unix ms) moves the library version OpenSubsonic players see.
ALTER TABLE albums ADD COLUMN cover_hash TEXT;
ALTER TABLE albums ADD COLUMN cover_width BIGINT;
ALTER TABLE albums ADD COLUMN cover_height BIGINT;
ALTER TABLE albums ADD COLUMN cover_source TEXT;
ALTER TABLE albums ADD COLUMN cover_set_at BIGINT;
CREATE INDEX albums_cover_set ON albums (cover_set_at);
