-- Captures imported from a Wayback Machine (a back-fill's optional last phase): the version extracted from one
-- names the archived capture it came from, so it is never taken for one of our own fetches. Its capture is in our
-- WARCs under the Wayback URL we fetched (page_kind 'imported'), never under the publisher's URL.
ALTER TABLE article_versions ADD COLUMN imported_from text;

ALTER TABLE backfills ADD COLUMN wayback text;
ALTER TABLE backfills DROP CONSTRAINT backfills_phase_check;
ALTER TABLE backfills ADD CONSTRAINT backfills_phase_check CHECK (phase IN ('api', 'lists', 'wayback', 'done'));
