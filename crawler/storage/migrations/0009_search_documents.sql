-- The reading room's search reads one narrow row per article: search_documents, kept by triggers.
--
-- Before, a search read every match's article_versions row (title, authors, inline vector: ~7,000 heap pages for a
-- word in 7.5 % of 100,000 articles) and joined each to article_records to drop old versions: p95 120 ms on a quiet
-- machine. Here only current versions have a row; it carries what the filters and facets need, a small vector to
-- rank by (title, summary, the body's lead) kept in the row, and the full language-aware vector, which only the GIN
-- index reads and toast_tuple_target = 128 pushes out of line. A match is then the index plus a few short heap
-- rows; the page's 25 rows alone are joined to the records and versions for their titles and snippets.
--
-- The rank vector: the title (weight A) and the summary, or where there is none the body's first 200 characters
-- (B). A word in the title or lead ranks an article above one that only mentions it further down.
CREATE FUNCTION newsarchive_rank_vector(title text, summary text, body text, language text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector(public.newsarchive_ts_config(language), coalesce(title, '')), 'A')
           || setweight(to_tsvector(public.newsarchive_ts_config(language),
                                    coalesce(nullif(summary, ''), left(coalesce(body, ''), 200))), 'B')
$$;

CREATE TABLE search_documents (
    article_id      bigint PRIMARY KEY REFERENCES article_records (id) ON DELETE CASCADE,
    version_id      bigint NOT NULL,
    source          text NOT NULL,
    section         text,
    authors         text[] NOT NULL DEFAULT '{}',
    published_at    timestamptz,
    first_seen_at   timestamptz NOT NULL,
    config          regconfig NOT NULL,
    ranked          tsvector NOT NULL,
    document        tsvector NOT NULL
) WITH (toast_tuple_target = 128);
ALTER TABLE search_documents ALTER COLUMN ranked SET STORAGE MAIN;
CREATE INDEX search_documents_document ON search_documents USING gin (document);

-- What a search_documents row holds, computed from a record and its current version: one definition for the
-- triggers' single rows and the migration's fill below.
CREATE VIEW search_document_rows AS
SELECT r.id AS article_id, v.id AS version_id, r.source, v.section, v.authors, v.published_at, r.first_seen_at,
       public.newsarchive_ts_config(v.language) AS config,
       public.newsarchive_rank_vector(v.title, v.summary, v.body, v.language) AS ranked,
       public.newsarchive_search_vector(v.title, v.summary, v.body, v.language) AS document
FROM public.article_records r
JOIN public.article_versions v ON v.article_id = r.id AND v.version = r.current_version;

-- (Re)writes the row of one article from its current version (none while the record has no version yet).
-- PL/pgSQL, not SQL: its statement's plan is cached across calls, where a SQL function's is made for each row.
CREATE FUNCTION newsarchive_index_article(record_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.search_documents AS d
    SELECT * FROM public.search_document_rows WHERE article_id = record_id
    ON CONFLICT (article_id) DO UPDATE SET
        version_id = EXCLUDED.version_id, source = EXCLUDED.source, section = EXCLUDED.section,
        authors = EXCLUDED.authors, published_at = EXCLUDED.published_at, first_seen_at = EXCLUDED.first_seen_at,
        config = EXCLUDED.config, ranked = EXCLUDED.ranked, document = EXCLUDED.document;
END
$$;

-- A record's current version or first capture changed (the writer inserts the version, then moves the record).
CREATE FUNCTION newsarchive_record_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.current_version = OLD.current_version THEN
        UPDATE public.search_documents SET first_seen_at = NEW.first_seen_at, source = NEW.source
        WHERE article_id = NEW.id;
    ELSE
        PERFORM public.newsarchive_index_article(NEW.id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER article_records_search AFTER UPDATE ON article_records FOR EACH ROW
    WHEN (NEW.current_version IS DISTINCT FROM OLD.current_version
          OR NEW.first_seen_at IS DISTINCT FROM OLD.first_seen_at OR NEW.source IS DISTINCT FROM OLD.source)
    EXECUTE FUNCTION newsarchive_record_changed();

-- A version inserted that is already its record's current one (bulk loads that write records first).
CREATE FUNCTION newsarchive_version_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM public.article_records WHERE id = NEW.article_id AND current_version = NEW.version) THEN
        PERFORM public.newsarchive_index_article(NEW.article_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER article_versions_search AFTER INSERT ON article_versions FOR EACH ROW
    EXECUTE FUNCTION newsarchive_version_added();

INSERT INTO search_documents SELECT * FROM search_document_rows;
ANALYZE search_documents;

-- Nothing searches article_versions any more: its two vector indexes and the stored 'simple' vector only cost
-- every insert a to_tsvector and two index updates.
DROP INDEX article_versions_search_lang;
DROP INDEX article_versions_search;
ALTER TABLE article_versions DROP COLUMN search;
