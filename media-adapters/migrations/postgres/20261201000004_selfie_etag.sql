-- The selfie's ETag when its upload completed: the job shows Retina that
-- version only, and fails the selfie as upload_changed otherwise.
ALTER TABLE selfies ADD COLUMN original_etag TEXT;
