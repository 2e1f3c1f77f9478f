-- Events (SPEC §9): a match owes a `matches.added` until the member's
-- debounced notice announces it. Matches recorded before events existed, or
-- while they are off, owe nothing (0).
ALTER TABLE matches ADD COLUMN announce_pending BIGINT NOT NULL DEFAULT 0;
