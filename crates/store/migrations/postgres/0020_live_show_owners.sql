-- With several nodes, a live show is run by one node at a time: the node that holds its lease
-- here. The owner renews `expires_at` while it runs the show; once it passes (the node died),
-- any node may take the show over from its stored live state.
CREATE TABLE live_show_owners (
    show_id    TEXT PRIMARY KEY REFERENCES live_shows (id) ON DELETE CASCADE,
    node_id    TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
