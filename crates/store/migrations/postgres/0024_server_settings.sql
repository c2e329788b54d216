-- Server-wide settings an administrator changes while the server runs (whether anyone may
-- register, when the server's configuration leaves it to them): one row a setting, its value
-- as text, read by every node.
CREATE TABLE server_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
