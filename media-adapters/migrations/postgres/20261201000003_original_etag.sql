-- The original's ETag when its upload completed: jobs read that version only.
ALTER TABLE photos ADD COLUMN original_etag TEXT;
