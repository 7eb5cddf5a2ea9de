-- The initial schema: sources, crawl runs, the WARC captures index, articles and their versions.

CREATE TABLE sources (
    name        text PRIMARY KEY,
    title       text NOT NULL DEFAULT '',
    config      jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE crawl_runs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source         text NOT NULL,
    trigger        text NOT NULL CHECK (trigger IN ('daemon', 'cron', 'manual', 'replay')),
    host           text,
    pid            integer,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    status         text NOT NULL DEFAULT 'running'
                   CHECK (status IN ('running', 'finished', 'degraded', 'failed', 'cancelled', 'skipped')),
    finish_reason  text,
    stats          jsonb,
    error          text
);
-- At most one running crawl per source, whatever the host: the database enforces what the advisory lock intends.
CREATE UNIQUE INDEX crawl_runs_one_running ON crawl_runs (source) WHERE status = 'running';
CREATE INDEX crawl_runs_source_started ON crawl_runs (source, started_at DESC);

CREATE TABLE warc_files (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    filename    text NOT NULL UNIQUE,
    path        text NOT NULL,
    size        bigint,
    records     integer,
    created_at  timestamptz NOT NULL DEFAULT now(),
    closed_at   timestamptz,
    run_id      bigint
);

-- One row per WARC record. Keyed by the file's name (not a warc_files id) because capture rows are written in
-- batches while the file is still open and may arrive before the file's own row.
CREATE TABLE captures (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    filename        text NOT NULL,
    record_offset   bigint NOT NULL,
    record_length   bigint NOT NULL,
    record_id       text NOT NULL UNIQUE,
    record_type     text NOT NULL,
    surt            text,
    url             text,
    captured_at     timestamptz NOT NULL,
    status          smallint,
    mime            text,
    payload_digest  text,
    refers_to       text,
    concurrent_to   text,
    source          text,
    page_kind       text,
    run_id          bigint
);
CREATE INDEX captures_surt_time ON captures (surt, captured_at);
CREATE INDEX captures_payload_digest ON captures (payload_digest) WHERE payload_digest IS NOT NULL;
CREATE INDEX captures_source_kind_url ON captures (source, page_kind, url);
CREATE INDEX captures_filename ON captures (filename, record_offset);

CREATE TABLE article_records (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url              text NOT NULL UNIQUE,
    source           text NOT NULL,
    first_seen_at    timestamptz NOT NULL,
    last_seen_at     timestamptz NOT NULL,
    current_version  integer NOT NULL DEFAULT 1
);
CREATE INDEX article_records_source_seen ON article_records (source, last_seen_at);

CREATE TABLE article_versions (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id          bigint NOT NULL REFERENCES article_records (id) ON DELETE CASCADE,
    version             integer NOT NULL,
    warc_record_id      text,
    fetched_url         text NOT NULL,
    extractor           text NOT NULL DEFAULT '',
    content_hash        text NOT NULL,
    title               text,
    authors             text[] NOT NULL DEFAULT '{}',
    published_at        timestamptz,
    date_precision      text CHECK (date_precision IN ('second', 'day')),
    modified_at         timestamptz,
    modified_precision  text CHECK (modified_precision IN ('second', 'day')),
    section             text,
    tags                text[] NOT NULL DEFAULT '{}',
    language            text,
    summary             text,
    body                text,
    image_url           text,
    seen_at             timestamptz NOT NULL,
    -- 'simple': articles come in many languages; the body is capped because a tsvector is limited to 1 MB.
    search              tsvector GENERATED ALWAYS AS (
                            setweight(to_tsvector('simple', coalesce(title, '')), 'A')
                            || setweight(to_tsvector('simple', coalesce(summary, '')), 'B')
                            || to_tsvector('simple', left(coalesce(body, ''), 200000))
                        ) STORED,
    UNIQUE (article_id, version)
);
CREATE INDEX article_versions_search ON article_versions USING gin (search);
CREATE INDEX article_versions_record_id ON article_versions (warc_record_id);
CREATE INDEX article_versions_fetched_url ON article_versions (fetched_url);

-- lz4 is faster than the default pglz for large text; only where the server was built with it (PG >= 14).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings
               WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE article_versions ALTER COLUMN body SET COMPRESSION lz4;
        ALTER TABLE article_versions ALTER COLUMN summary SET COMPRESSION lz4;
    END IF;
END
$$;

-- The contract: one row per article with its current version. Users query this directly; keep it stable.
CREATE VIEW articles AS
SELECT r.url,
       r.source,
       v.title,
       v.authors,
       v.published_at,
       v.date_precision,
       v.modified_at,
       v.section,
       v.tags,
       v.language,
       v.summary,
       v.body,
       v.image_url,
       r.first_seen_at,
       r.last_seen_at,
       r.current_version AS version
FROM article_records r
JOIN article_versions v ON v.article_id = r.id AND v.version = r.current_version;
