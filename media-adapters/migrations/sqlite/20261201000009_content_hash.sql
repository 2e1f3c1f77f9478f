-- Duplicate uploads (SPEC §4): the original's SHA-256 (hex), recorded by the
-- thumbnails job, unique within a project; a second photo with the same
-- bytes fails as `duplicate` and names the first in duplicate_of.
ALTER TABLE photos ADD COLUMN content_sha256 TEXT;
ALTER TABLE photos ADD COLUMN duplicate_of TEXT;
CREATE UNIQUE INDEX photos_content ON photos (project_id, content_sha256) WHERE content_sha256 IS NOT NULL;
