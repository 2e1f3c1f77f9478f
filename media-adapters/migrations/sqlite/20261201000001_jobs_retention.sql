-- Pruning finished jobs walks (status, updated_at); the queue gauges count
-- (status, kind) over the active statuses only, never the finished history.
CREATE INDEX jobs_finished ON jobs (status, updated_at);
CREATE INDEX jobs_by_status_kind ON jobs (status, kind);
