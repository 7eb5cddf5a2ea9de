-- Who ran what, for which tick: with workers on many hosts a run's host and pid no longer say which worker took it,
-- and a queued run may start well after the tick it serves.
ALTER TABLE crawl_runs
    ADD COLUMN worker        text,
    ADD COLUMN scheduled_for timestamptz;
