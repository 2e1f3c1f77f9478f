-- Times are Unix microseconds (BIGINT) and ids are UUID text, so both backends
-- share one set of queries (see docs/decisions/0002-one-sql-dialect.md).
-- SQLite compares text bytewise, so text order equals UUID byte order.

CREATE TABLE operators (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE photographers (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE projects (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    operator_id    TEXT NOT NULL REFERENCES operators (id),
    watermark_text TEXT,
    -- Face sequence numbers are taken from here under the row lock, so they
    -- commit in order per project and matching can resume after the last one.
    face_seq       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX projects_operator ON projects (operator_id);

CREATE TABLE project_photographers (
    project_id      TEXT NOT NULL REFERENCES projects (id),
    photographer_id TEXT NOT NULL REFERENCES photographers (id),
    PRIMARY KEY (project_id, photographer_id)
);

CREATE TABLE project_members (
    project_id TEXT NOT NULL REFERENCES projects (id),
    user_id    TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members (user_id);

-- Active consents only: revoking deletes the row.
CREATE TABLE consents (
    user_id    TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, purpose)
);

CREATE TABLE photos (
    id                TEXT PRIMARY KEY,
    project_id        TEXT NOT NULL REFERENCES projects (id),
    photographer_id   TEXT NOT NULL,
    status            TEXT NOT NULL,
    taken_at          BIGINT,
    -- taken_at, or the smallest BIGINT when undated: listing order is
    -- (taken_key, created_at, id) descending, undated last.
    taken_key         BIGINT NOT NULL,
    width             BIGINT,
    height            BIGINT,
    created_at        BIGINT NOT NULL,
    upload_expires_at BIGINT NOT NULL,
    failure_reason    TEXT,
    thumbnails_done   BIGINT NOT NULL DEFAULT 0,
    watermark_done    BIGINT NOT NULL DEFAULT 0,
    faces_done        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX photos_listing ON photos (project_id, taken_key DESC, created_at DESC, id DESC);
CREATE INDEX photos_status ON photos (status, created_at);

CREATE TABLE selfies (
    id                TEXT PRIMARY KEY,
    user_id           TEXT NOT NULL,
    key_ts            BIGINT NOT NULL,
    status            TEXT NOT NULL,
    rejection_reason  TEXT,
    failure_reason    TEXT,
    created_at        BIGINT NOT NULL,
    processed_at      BIGINT,
    upload_expires_at BIGINT NOT NULL,
    embedding         BLOB,
    UNIQUE (user_id, key_ts)
);
CREATE INDEX selfies_user ON selfies (user_id, created_at);
CREATE INDEX selfies_status ON selfies (status, created_at);

CREATE TABLE faces (
    project_id TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    photo_id   TEXT NOT NULL,
    embedding  BLOB NOT NULL,
    PRIMARY KEY (project_id, seq)
);
CREATE INDEX faces_photo ON faces (photo_id);

CREATE TABLE matches (
    user_id    TEXT NOT NULL,
    photo_id   TEXT NOT NULL,
    project_id TEXT NOT NULL,
    distance   REAL NOT NULL,
    PRIMARY KEY (user_id, photo_id)
);
CREATE INDEX matches_project_user ON matches (project_id, user_id);
CREATE INDEX matches_photo ON matches (photo_id);

CREATE TABLE match_progress (
    project_id  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    selfie_id   TEXT NOT NULL,
    through_seq BIGINT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at       BIGINT NOT NULL,
    lease_until  BIGINT,
    locked_by    TEXT,
    last_error   TEXT,
    dedup_key    TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);
-- At most one queued job per dedup key (cluster_faces per project and user).
CREATE UNIQUE INDEX jobs_dedup ON jobs (dedup_key) WHERE status = 'queued' AND dedup_key IS NOT NULL;
