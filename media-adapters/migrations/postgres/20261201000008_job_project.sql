-- The project a job works for (thumbnails, watermark, matching), so a
-- project's queue is read through an index (SPEC §3.13c, event stats).
-- Jobs queued before this migration have none and are not counted there.
ALTER TABLE jobs ADD COLUMN project_id TEXT COLLATE "C";
CREATE INDEX jobs_project_due ON jobs (project_id, status, run_at) WHERE project_id IS NOT NULL;
