-- The reading room's search and listing within 100 ms on 100,000 articles (bench/web.py).
--
-- Ranking reads the stored 'simple' vector of every match. It was TOASTed out of line (about 2 kB per version), so a
-- common word's 7,600 matches cost 7,600 TOAST lookups, most of the search's time. Stored MAIN it stays in the row
-- (the body, larger and only read for the page's snippets, goes out of line instead), lz4-compressed where the
-- server has lz4 (pglz gives up on most vectors; lz4 saves a quarter of the heap, so more of it stays in shared
-- buffers). CLUSTER rewrites the existing rows so they take the new storage, in this migration's transaction.
ALTER TABLE article_versions ALTER COLUMN search SET STORAGE MAIN;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings
               WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE article_versions ALTER COLUMN search SET COMPRESSION lz4;
    END IF;
END
$$;
CLUSTER article_versions USING article_versions_pkey;
ALTER TABLE article_versions SET WITHOUT CLUSTER;
ANALYZE article_versions;

-- Listing, newest first: dated articles walk article_versions_published (0004); undated ones are this partial
-- index's few rows, ordered by their record's first capture; the front page walks records by first capture.
CREATE INDEX article_versions_undated ON article_versions (article_id) WHERE published_at IS NULL;
CREATE INDEX article_records_first_seen ON article_records (first_seen_at DESC);
