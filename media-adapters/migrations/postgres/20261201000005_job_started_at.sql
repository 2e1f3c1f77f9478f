-- When the job's latest attempt was claimed (Unix µs): pickup latency is
-- started_at - run_at, kept after the job is done.
ALTER TABLE jobs ADD COLUMN started_at BIGINT;
