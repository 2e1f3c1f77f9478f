-- What a ready archive was built from (media-core `matches_digest`): a
-- request while the member's matched photos are still those is answered
-- with it instead of a new build (issue 26). NULL while building and for
-- archives built before: those are never answered again.
ALTER TABLE archives ADD COLUMN matches TEXT;
