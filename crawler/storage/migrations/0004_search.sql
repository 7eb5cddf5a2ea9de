-- Search for the reading room (`newsarchive web`): a language-aware tsvector of each version, indexed, so search can
-- stem English, French, ... where the extractor knew the language and fall back to 'simple' where it did not. The
-- functions are IMMUTABLE so that an expression index can use them; the web queries call the same expression.
-- Calls inside them are schema-qualified: PostgreSQL 17 builds indexes with search_path = pg_catalog, pg_temp.
CREATE FUNCTION newsarchive_ts_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE lower(left(coalesce(language, ''), 2))
        WHEN 'en' THEN 'english'
        WHEN 'fr' THEN 'french'
        WHEN 'de' THEN 'german'
        WHEN 'es' THEN 'spanish'
        WHEN 'it' THEN 'italian'
        WHEN 'pt' THEN 'portuguese'
        WHEN 'ru' THEN 'russian'
        WHEN 'nl' THEN 'dutch'
        WHEN 'sv' THEN 'swedish'
        WHEN 'tr' THEN 'turkish'
        ELSE 'simple'
    END::regconfig
$$;

CREATE FUNCTION newsarchive_search_vector(title text, summary text, body text, language text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector(public.newsarchive_ts_config(language), coalesce(title, '')), 'A')
           || setweight(to_tsvector(public.newsarchive_ts_config(language), coalesce(summary, '')), 'B')
           || to_tsvector(public.newsarchive_ts_config(language), left(coalesce(body, ''), 200000))
$$;

CREATE INDEX article_versions_search_lang ON article_versions
    USING gin (newsarchive_search_vector(title, summary, body, language));
-- Listings by publication time, newest first, and the changes page (versions after the first, by capture time).
CREATE INDEX article_versions_published ON article_versions (published_at DESC);
CREATE INDEX article_versions_changed ON article_versions (seen_at DESC) WHERE version > 1;
