-- "Not me" (SPEC §3.13a): a (user, photo) pair the user said is not them.
-- record_matches never inserts a suppressed pair; erasure removes them with
-- the rest of the user's biometric data; a photo's deletion with the photo.
CREATE TABLE match_suppressions (
    user_id    TEXT COLLATE "C" NOT NULL,
    photo_id   TEXT COLLATE "C" NOT NULL,
    project_id TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, photo_id)
);
CREATE INDEX match_suppressions_photo ON match_suppressions (photo_id);
CREATE INDEX match_suppressions_project ON match_suppressions (project_id);
