-- "Take my photos home" (SPEC §3.13b): one row per archive; at most one
-- building per (user, project), so asking twice returns the same archive.
-- Erasure deletes a user's rows with the rest of their biometric data.
CREATE TABLE archives (
    id          TEXT COLLATE "C" PRIMARY KEY,
    user_id     TEXT COLLATE "C" NOT NULL,
    project_id  TEXT COLLATE "C" NOT NULL,
    status      TEXT NOT NULL,
    photo_count BIGINT,
    bytes       BIGINT,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT
);
CREATE UNIQUE INDEX archives_building ON archives (user_id, project_id) WHERE status = 'building';
CREATE INDEX archives_user ON archives (user_id);
CREATE INDEX archives_expiry ON archives (expires_at) WHERE expires_at IS NOT NULL;
