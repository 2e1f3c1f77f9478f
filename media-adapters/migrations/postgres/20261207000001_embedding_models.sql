-- Every stored embedding names the model that made it (SPEC §7a, decision
-- 0029): embeddings of two models are never compared. The rows stored
-- before were all Retina's; new rows get the model its answer (or the
-- built-in engine) names.
ALTER TABLE faces ADD COLUMN model TEXT NOT NULL DEFAULT 'retina';
ALTER TABLE selfies ADD COLUMN model TEXT NOT NULL DEFAULT 'retina';
