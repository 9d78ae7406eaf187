-- The agenda: a task's due may be a whole day; a task can be snoozed, is reminded once per
-- due (or snooze) time, and remembers the note that created it and the interaction that closed
-- it. A complaint remembers when handling began. Indexes for the dashboard's figures.

ALTER TABLE task ADD COLUMN all_day INTEGER NOT NULL DEFAULT 0 CHECK (all_day IN (0, 1));
ALTER TABLE task ADD COLUMN snoozed_until TEXT;
ALTER TABLE task ADD COLUMN reminded_at TEXT;
ALTER TABLE task ADD COLUMN note_id INTEGER REFERENCES note (id) ON DELETE SET NULL;
ALTER TABLE task ADD COLUMN interaction_id INTEGER REFERENCES interaction (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX task_note ON task (note_id) WHERE note_id IS NOT NULL;
CREATE INDEX task_interaction ON task (interaction_id) WHERE interaction_id IS NOT NULL;

ALTER TABLE complaint ADD COLUMN handling_at TEXT;

CREATE INDEX interaction_at ON interaction (at, kind);
CREATE INDEX customer_created ON customer (created_at);
CREATE INDEX customer_industry ON customer (industry);
CREATE INDEX customer_region ON customer (region);
CREATE INDEX customer_source ON customer (source);
