-- Front-page history: each capture of a source's start page, and the article links it showed with rank and box.
--
-- An unchanged front page (the same links, order, texts and boxes as a capture before it) stores no links again:
-- links belong to a link set, named by the digest of its content (crawler.discovery.frontpage.FrontPage.digest),
-- and a capture points at its set. A run whose front page did not change adds one front_pages row and no link
-- rows; a page that flips back to an earlier state reuses that state's set. The digest makes the rows independent
-- of the order captures are stored in, so a replay of the WARCs (files in any order) rebuilds the same rows.

CREATE TABLE front_page_link_sets (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    digest      bytea NOT NULL UNIQUE,
    link_count  integer NOT NULL
);

CREATE TABLE front_page_links (
    link_set_id  bigint NOT NULL REFERENCES front_page_link_sets (id) ON DELETE CASCADE,
    rank         integer NOT NULL,
    url          text NOT NULL,
    text         text,
    box          text,
    other_boxes  text[],
    PRIMARY KEY (link_set_id, rank)
);
-- An article's front-page life: the sets that hold its URL.
CREATE INDEX front_page_links_url ON front_page_links (url);

CREATE TABLE front_pages (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source       text NOT NULL,
    url          text NOT NULL,
    captured_at  timestamptz NOT NULL,
    -- The response (or revisit) record the links were read from; a replay finds it already stored.
    record_id    text UNIQUE,
    link_set_id  bigint NOT NULL REFERENCES front_page_link_sets (id)
);
-- The capture of a page at or before a time, and its neighbours.
CREATE INDEX front_pages_url_time ON front_pages (url, captured_at);
CREATE INDEX front_pages_source_time ON front_pages (source, captured_at);
CREATE INDEX front_pages_link_set ON front_pages (link_set_id, captured_at);
