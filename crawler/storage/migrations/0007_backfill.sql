-- Back-fill: a publisher's history walked in batches, each batch a crawl run of its own (trigger 'backfill'), with
-- a cursor here so a killed back-fill continues where it stopped. Phases run in order: 'api' walks the WordPress
-- API by date windows, newest first ([cursor, until) is done); 'lists' walks sitemaps and paginated feeds over
-- the whole range; 'done' when nothing is left.
ALTER TABLE crawl_runs DROP CONSTRAINT crawl_runs_trigger_check;
ALTER TABLE crawl_runs ADD CONSTRAINT crawl_runs_trigger_check
    CHECK (trigger IN ('daemon', 'cron', 'manual', 'replay', 'backfill'));

CREATE TABLE backfills (
    id             bigserial PRIMARY KEY,
    source         text NOT NULL,
    since          timestamptz NOT NULL,
    until          timestamptz NOT NULL CHECK (until > since),
    window_seconds integer NOT NULL CHECK (window_seconds > 0),
    phase          text NOT NULL DEFAULT 'api' CHECK (phase IN ('api', 'lists', 'done')),
    cursor         timestamptz NOT NULL,
    batches        integer NOT NULL DEFAULT 0,
    articles       integer NOT NULL DEFAULT 0,
    started_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz
);

-- At most one unfinished back-fill per source and range: starting it again resumes it.
CREATE UNIQUE INDEX backfills_open ON backfills (source, since, until) WHERE finished_at IS NULL;
