-- Remembered absences (crawler.spiders.absences): URLs a source's crawls discovered (listing pages, feeds,
-- sitemaps, the WordPress API) that answered "not here" (404/410, or no API) on their last `misses` tries. A run
-- asks for one again only from next_try_at on; an answer that is there again deletes the row.
CREATE TABLE absent_urls (
    source          text        NOT NULL,
    url             text        NOT NULL,
    kind            text        NOT NULL,
    status          smallint    NOT NULL,
    misses          integer     NOT NULL CHECK (misses > 0),
    first_missed_at timestamptz NOT NULL,
    last_tried_at   timestamptz NOT NULL,
    next_try_at     timestamptz NOT NULL,
    PRIMARY KEY (source, url)
);
