-- Saved views of the customer list, and the edit a locked session left unsaved.

CREATE TABLE saved_view (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    filter     TEXT NOT NULL CHECK (json_valid(filter)),
    created_at TEXT NOT NULL
) STRICT;

-- One draft at most: what was being edited when the session locked, offered back after unlock.
CREATE TABLE draft (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    payload  TEXT NOT NULL CHECK (json_valid(payload)),
    saved_at TEXT NOT NULL
) STRICT;

-- Each order of the customer list read straight from an index, so a window deep in a list of
-- 100 000 customers costs no sort (the id breaks ties, as in CustomerSort::order_by).
CREATE INDEX customer_updated_id ON customer (updated_at DESC, id DESC);
CREATE INDEX customer_name ON customer (name COLLATE NOCASE, id);
CREATE INDEX customer_grade_rank
    ON customer ((CASE grade WHEN 'vip' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END), name COLLATE NOCASE, id);
