-- A counter every revocation of tokens moves on (a logout, a password change), in the same
-- transaction as the revocation. Each node checks it every second and drops its cache of
-- tokens when it moved, so a token revoked anywhere (another node, the command line) stops
-- working everywhere within a second.
CREATE TABLE auth_epoch (
    id    BIGINT PRIMARY KEY,
    epoch BIGINT NOT NULL
);
INSERT INTO auth_epoch (id, epoch) VALUES (1, 0);
