-- The operator-wide listing in its own sort order (before, every page sorted
-- all of the operator's photos): photos carry their project's operator,
-- which never changes (a project never moves, SPEC §8).
ALTER TABLE photos ADD COLUMN operator_id TEXT;
UPDATE photos SET operator_id = (SELECT operator_id FROM projects WHERE projects.id = photos.project_id);
CREATE INDEX photos_operator_listing ON photos (operator_id, taken_key DESC, created_at DESC, id DESC);
-- Erasure and approval delete a user's progress in every project.
CREATE INDEX match_progress_user ON match_progress (user_id);
