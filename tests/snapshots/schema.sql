CREATE TRIGGER search_complaint_delete AFTER DELETE ON complaint BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('complaint', OLD.id);
END;
CREATE TRIGGER search_complaint_insert AFTER INSERT ON complaint BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('complaint', NEW.id);
END;
CREATE TRIGGER search_complaint_update AFTER UPDATE ON complaint BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('complaint', NEW.id);
END;
CREATE TRIGGER search_contact_delete AFTER DELETE ON contact_method BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('customer', OLD.customer_id);
END;
CREATE TRIGGER search_contact_insert AFTER INSERT ON contact_method BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('customer', NEW.customer_id);
END;
CREATE TRIGGER search_customer_delete AFTER DELETE ON customer BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('customer', OLD.id);
END;
CREATE TRIGGER search_customer_insert AFTER INSERT ON customer BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('customer', NEW.id);
END;
CREATE TRIGGER search_customer_update
AFTER UPDATE OF name, company, title, industry, company_size, region, source, grade, stage, colour, birthday,
                template, custom ON customer BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('customer', NEW.id);
END;
CREATE TRIGGER search_interaction_delete AFTER DELETE ON interaction BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('interaction', OLD.id);
END;
CREATE TRIGGER search_interaction_insert AFTER INSERT ON interaction BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('interaction', NEW.id);
END;
CREATE TRIGGER search_interaction_update AFTER UPDATE ON interaction BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('interaction', NEW.id);
END;
CREATE TRIGGER search_note_delete AFTER DELETE ON note BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('note', OLD.id);
END;
CREATE TRIGGER search_note_insert AFTER INSERT ON note BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('note', NEW.id);
END;
CREATE TRIGGER search_note_update AFTER UPDATE ON note BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('note', NEW.id);
END;
CREATE TRIGGER search_tag_delete AFTER DELETE ON customer_tag BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('customer', OLD.customer_id);
END;
CREATE TRIGGER search_tag_insert AFTER INSERT ON customer_tag BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('customer', NEW.customer_id);
END;
CREATE TRIGGER search_template_delete AFTER DELETE ON template BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('template', OLD.id);
END;
CREATE TRIGGER search_template_insert AFTER INSERT ON template BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('template', NEW.id);
END;
CREATE TRIGGER search_template_update AFTER UPDATE ON template BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('template', NEW.id);
END;
CREATE TABLE access_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     TEXT NOT NULL,
    event  TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    hash   BLOB NOT NULL
) STRICT;
CREATE TABLE attachment (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    name        TEXT NOT NULL CHECK (length(name) > 0),
    mime        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE TABLE attachment_data (
    attachment_id INTEGER PRIMARY KEY REFERENCES attachment (id) ON DELETE CASCADE,
    data          BLOB NOT NULL
) STRICT;
CREATE TABLE complaint (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    title       TEXT NOT NULL CHECK (length(trim(title)) > 0),
    detail      TEXT,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'handling', 'resolved')),
    opened_at   TEXT NOT NULL,
    closed_at   TEXT
, handling_at TEXT) STRICT;
CREATE TABLE contact_method (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('phone', 'email', 'wechat', 'address')),
    label       TEXT,
    value       TEXT NOT NULL,
    normalized  TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE TABLE customer (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: an erased id is never reused
    name         TEXT NOT NULL CHECK (length(trim(name)) > 0),
    company      TEXT,
    title        TEXT,
    industry     TEXT,
    company_size TEXT CHECK (company_size IN ('micro', 'small', 'medium', 'large')),
    region       TEXT,
    source       TEXT,
    grade        TEXT NOT NULL DEFAULT 'normal' CHECK (grade IN ('vip', 'normal', 'potential')),
    stage        TEXT NOT NULL DEFAULT 'potential' CHECK (stage IN ('potential', 'active', 'loyal', 'churned')),
    colour       TEXT CHECK (colour IN ('red', 'orange', 'yellow', 'green', 'blue', 'purple', 'grey')),
    birthday     TEXT,
    template     TEXT,
    custom       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(custom)),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    reviewed_at  TEXT
) STRICT;
CREATE TABLE customer_tag (
    customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    tag_id      INTEGER NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    PRIMARY KEY (customer_id, tag_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE draft (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    payload  TEXT NOT NULL CHECK (json_valid(payload)),
    saved_at TEXT NOT NULL
) STRICT;
CREATE TABLE history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    record_kind TEXT NOT NULL,
    record_id   INTEGER NOT NULL,
    field       TEXT NOT NULL,
    old         TEXT,
    new         TEXT,
    at          TEXT NOT NULL
) STRICT;
CREATE TABLE interaction (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'visit', 'wechat', 'other')),
    at          TEXT NOT NULL,
    summary     TEXT NOT NULL,
    outcome     TEXT,
    created_at  TEXT NOT NULL
) STRICT;
CREATE TABLE note (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    template    TEXT,
    body        TEXT NOT NULL,
    at          TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE TABLE saved_view (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    filter     TEXT NOT NULL CHECK (json_valid(filter)),
    created_at TEXT NOT NULL
) STRICT;
CREATE TABLE search_queue (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind      TEXT NOT NULL CHECK (kind IN ('customer', 'note', 'interaction', 'complaint', 'template')),
    record_id INTEGER NOT NULL
, last_record_id INTEGER CHECK (last_record_id >= record_id)) STRICT;
CREATE TABLE secret (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    label       TEXT NOT NULL CHECK (length(trim(label)) > 0),
    username    TEXT,
    url         TEXT,
    password    BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
CREATE TABLE tag (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;
CREATE TABLE task (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER REFERENCES customer (id) ON DELETE CASCADE,
    title       TEXT NOT NULL CHECK (length(trim(title)) > 0),
    due         TEXT,
    done_at     TEXT,
    created_at  TEXT NOT NULL
, all_day INTEGER NOT NULL DEFAULT 0 CHECK (all_day IN (0, 1)), snoozed_until TEXT, reminded_at TEXT, note_id INTEGER REFERENCES note (id) ON DELETE SET NULL, interaction_id INTEGER REFERENCES interaction (id) ON DELETE SET NULL) STRICT;
CREATE TABLE template (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL CHECK (kind IN ('customer', 'note')),
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    language    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(fields)),
    body        TEXT NOT NULL DEFAULT '',
    builtin     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, name)
) STRICT;
CREATE INDEX attachment_customer ON attachment (customer_id);
CREATE INDEX complaint_customer ON complaint (customer_id);
CREATE INDEX complaint_status ON complaint (status);
CREATE INDEX contact_method_customer ON contact_method (customer_id);
CREATE INDEX contact_method_normalized ON contact_method (kind, normalized);
CREATE INDEX customer_created ON customer (created_at);
CREATE INDEX customer_grade ON customer (grade);
CREATE INDEX customer_grade_rank
    ON customer ((CASE grade WHEN 'vip' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END), name COLLATE NOCASE, id);
CREATE INDEX customer_industry ON customer (industry);
CREATE INDEX customer_name ON customer (name COLLATE NOCASE, id);
CREATE INDEX customer_region ON customer (region);
CREATE INDEX customer_source ON customer (source);
CREATE INDEX customer_stage ON customer (stage);
CREATE INDEX customer_tag_tag ON customer_tag (tag_id);
CREATE INDEX customer_updated_id ON customer (updated_at DESC, id DESC);
CREATE INDEX history_customer ON history (customer_id, id);
CREATE INDEX interaction_at ON interaction (at, kind);
CREATE INDEX interaction_customer_at ON interaction (customer_id, at);
CREATE INDEX note_customer_at ON note (customer_id, at);
CREATE INDEX secret_customer ON secret (customer_id);
CREATE INDEX task_customer ON task (customer_id);
CREATE INDEX task_interaction ON task (interaction_id) WHERE interaction_id IS NOT NULL;
CREATE UNIQUE INDEX task_note ON task (note_id) WHERE note_id IS NOT NULL;
CREATE INDEX task_open_due ON task (done_at, due);
