-- Rows only where a query needs them, and retention by month (README: "What the database keeps").
--
-- captures: partitioned by month of captured_at; only the records a query reads keep a row
-- (crawler.storage.capturerule: responses that can be revisit targets, revisits of articles and imports, resource
-- records); request, metadata and warcinfo records, other revisits and non-2xx or empty responses are found
-- through the CDXJ indexes. Existing rows are copied by the same rule.
-- crawl_runs: partitioned by month of started_at, so old runs go a month at a time (the WARCs stay the record).
-- Keys of partitioned tables must hold the partition key: captures are unique by (record_id, captured_at) (a
-- record has one WARC-Date), runs by (id, started_at); "one running run per source" is checked by a trigger.
-- Nothing references either table by a foreign key.

-- The month partition of ``parent`` holding ``at`` (UTC months), made if missing; its name. Serialised per name so
-- concurrent writers (crawls, replays, the daemon's maintenance) may all ask for the same month.
CREATE FUNCTION newsarchive_month_partition(parent regclass, at timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    month_start timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    name text := format('%s_%s', parent::text, to_char(month_start AT TIME ZONE 'UTC', 'YYYY_MM'));
BEGIN
    PERFORM pg_advisory_xact_lock(1853321585, hashtext(name));
    IF to_regclass(name) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                       name, parent, month_start, month_start + interval '1 month');
    END IF;
    RETURN name;
END
$$;

-- captures --------------------------------------------------------------------------------------------------------

-- Files whose records were not all indexed (a crash, an outage) lose their warc_files row, so the next run or
-- recovery indexes them again from the file: from now on a file's row is written only after all its rows.
DELETE FROM warc_files w
WHERE w.records IS NULL OR w.records > (SELECT count(*) FROM captures c WHERE c.filename = w.filename);

ALTER TABLE captures RENAME TO captures_unpartitioned;
CREATE TABLE captures (LIKE captures_unpartitioned INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING STORAGE)
    PARTITION BY RANGE (captured_at);
SELECT newsarchive_month_partition('captures', month)
FROM (SELECT DISTINCT date_trunc('month', captured_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS month
      FROM captures_unpartitioned
      UNION SELECT now() + n * interval '1 month' FROM generate_series(0, 2) n) months;
INSERT INTO captures OVERRIDING SYSTEM VALUE
SELECT * FROM captures_unpartitioned
WHERE record_type = 'resource'
   OR (record_type = 'revisit' AND page_kind IN ('article', 'imported'))
   OR (record_type IN ('response', 'revisit') AND page_kind = 'requisite'
       AND (status BETWEEN 200 AND 299 OR status IN (304, 404, 410)))
   OR (record_type = 'response' AND status BETWEEN 200 AND 299 AND payload_digest IS NOT NULL
       AND payload_digest <> 'sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ' AND url IS NOT NULL);
SELECT setval(pg_get_serial_sequence('captures', 'id'), greatest((SELECT max(id) FROM captures_unpartitioned), 1));
DROP TABLE captures_unpartitioned;
ALTER TABLE captures ADD PRIMARY KEY (id, captured_at);
ALTER TABLE captures ADD CONSTRAINT captures_record_id_key UNIQUE (record_id, captured_at);
CREATE INDEX captures_surt_time ON captures (surt, captured_at);
CREATE INDEX captures_payload_digest ON captures (payload_digest) WHERE payload_digest IS NOT NULL;
CREATE INDEX captures_source_kind_url ON captures (source, page_kind, url);
CREATE INDEX captures_filename ON captures (filename, record_offset);

-- crawl_runs ------------------------------------------------------------------------------------------------------

ALTER TABLE crawl_runs RENAME TO crawl_runs_unpartitioned;
CREATE TABLE crawl_runs (
    LIKE crawl_runs_unpartitioned INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING STORAGE
) PARTITION BY RANGE (started_at);
SELECT newsarchive_month_partition('crawl_runs', month)
FROM (SELECT DISTINCT date_trunc('month', started_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS month
      FROM crawl_runs_unpartitioned
      UNION SELECT now() + n * interval '1 month' FROM generate_series(0, 2) n) months;
INSERT INTO crawl_runs OVERRIDING SYSTEM VALUE SELECT * FROM crawl_runs_unpartitioned;
SELECT setval(pg_get_serial_sequence('crawl_runs', 'id'), greatest((SELECT max(id) FROM crawl_runs_unpartitioned), 1));
DROP TABLE crawl_runs_unpartitioned;
ALTER TABLE crawl_runs ADD PRIMARY KEY (id, started_at);
CREATE INDEX crawl_runs_source_started ON crawl_runs (source, started_at DESC);
CREATE INDEX crawl_runs_running ON crawl_runs (source) WHERE status = 'running';

-- At most one running crawl per source, whatever the host (what the unique index did before partitioning: a unique
-- index must hold the partition key). Serialised per source, so two inserts cannot both miss each other.
CREATE FUNCTION crawl_runs_one_running() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'running' THEN
        PERFORM pg_advisory_xact_lock(1853321586, hashtext(NEW.source));
        IF EXISTS (SELECT 1 FROM crawl_runs WHERE source = NEW.source AND status = 'running' AND id <> NEW.id) THEN
            RAISE unique_violation USING
                MESSAGE = format('source %s already has a running crawl', NEW.source),
                CONSTRAINT = 'crawl_runs_one_running';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER crawl_runs_one_running BEFORE INSERT OR UPDATE OF status ON crawl_runs
    FOR EACH ROW EXECUTE FUNCTION crawl_runs_one_running();
