-- Each version after the first is classed as a real edit or as noise, with the rule that decided it, so readers and
-- the changes feed can show the edits that matter. NULL: the first version, or not classified (older rows).
ALTER TABLE article_versions
    ADD COLUMN change_class text CHECK (change_class IN ('substantive', 'trivial')),
    ADD COLUMN change_rule  text;
