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

-- Sorting the list by name at 100 000 customers without a sort step.
CREATE INDEX customer_name ON customer (name COLLATE NOCASE);
