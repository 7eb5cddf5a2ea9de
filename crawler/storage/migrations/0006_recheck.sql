-- Catching edits cheaply: each article's validators (from its last 200) and its decaying re-check schedule.
-- next_check_at = recheck_base + the source's recheck[recheck_step]; recheck_base is the first sighting, or the
-- last substantive change (which starts the schedule again). NULL next_check_at: no re-check due (schedule done).
ALTER TABLE article_records
    ADD COLUMN etag          text,
    ADD COLUMN last_modified text,
    ADD COLUMN recheck_base  timestamptz,
    ADD COLUMN recheck_step  smallint,
    ADD COLUMN next_check_at timestamptz;

-- The due articles of a source, soonest first, without a scan.
CREATE INDEX article_records_next_check ON article_records (source, next_check_at) WHERE next_check_at IS NOT NULL;
