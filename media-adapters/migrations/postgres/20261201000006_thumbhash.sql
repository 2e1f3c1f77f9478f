-- The ThumbHash of the 400 px thumbnail (~25 bytes), set with the thumbnails.
ALTER TABLE photos ADD COLUMN thumbhash BYTEA;
