-- Lanes (SPEC §5 "Fairness", decision 0032): the core's Lane::rank of each
-- job's kind, written at enqueue; a claim takes the first due job of the
-- most urgent lane it is asked for, one index probe per lane. Jobs queued
-- before this migration (those still to run) get their kind's lane here (interactive 0:
-- process_selfie, cluster_faces; photo 1; bulk 2: purges, archives, events).
ALTER TABLE jobs ADD COLUMN lane INTEGER NOT NULL DEFAULT 1;
UPDATE jobs SET lane = 0 WHERE kind IN ('process_selfie', 'cluster_faces') AND status IN ('queued', 'running');
UPDATE jobs SET lane = 2 WHERE kind IN ('purge_objects', 'build_archive', 'deliver_event', 'notify_matches')
  AND status IN ('queued', 'running');
CREATE INDEX jobs_lane_due ON jobs (status, lane, run_at, created_at);
