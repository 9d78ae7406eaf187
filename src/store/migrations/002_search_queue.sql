-- The search index's durable queue: every change to searchable text enqueues its record in the
-- same transaction, through triggers, so no code path can forget it and a crash between the
-- database and the index is repaired from here on the next open.

CREATE TABLE search_queue (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind      TEXT NOT NULL CHECK (kind IN ('customer', 'note', 'interaction', 'complaint', 'template')),
    record_id INTEGER NOT NULL
) STRICT;

-- Customers: only columns that are indexed (updated_at and reviewed_at are not).
CREATE TRIGGER search_customer_insert AFTER INSERT ON customer BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('customer', NEW.id);
END;
CREATE TRIGGER search_customer_update
AFTER UPDATE OF name, company, title, industry, company_size, region, source, grade, stage, colour, birthday,
                template, custom ON customer BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('customer', NEW.id);
END;
CREATE TRIGGER search_customer_delete AFTER DELETE ON customer BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('customer', OLD.id);
END;
CREATE TRIGGER search_contact_insert AFTER INSERT ON contact_method BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('customer', NEW.customer_id);
END;
CREATE TRIGGER search_contact_delete AFTER DELETE ON contact_method BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('customer', OLD.customer_id);
END;
CREATE TRIGGER search_tag_insert AFTER INSERT ON customer_tag BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('customer', NEW.customer_id);
END;
CREATE TRIGGER search_tag_delete AFTER DELETE ON customer_tag BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('customer', OLD.customer_id);
END;

CREATE TRIGGER search_note_insert AFTER INSERT ON note BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('note', NEW.id);
END;
CREATE TRIGGER search_note_update AFTER UPDATE ON note BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('note', NEW.id);
END;
CREATE TRIGGER search_note_delete AFTER DELETE ON note BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('note', OLD.id);
END;

CREATE TRIGGER search_interaction_insert AFTER INSERT ON interaction BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('interaction', NEW.id);
END;
CREATE TRIGGER search_interaction_update AFTER UPDATE ON interaction BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('interaction', NEW.id);
END;
CREATE TRIGGER search_interaction_delete AFTER DELETE ON interaction BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('interaction', OLD.id);
END;

CREATE TRIGGER search_complaint_insert AFTER INSERT ON complaint BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('complaint', NEW.id);
END;
CREATE TRIGGER search_complaint_update AFTER UPDATE ON complaint BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('complaint', NEW.id);
END;
CREATE TRIGGER search_complaint_delete AFTER DELETE ON complaint BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('complaint', OLD.id);
END;

CREATE TRIGGER search_template_insert AFTER INSERT ON template BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('template', NEW.id);
END;
CREATE TRIGGER search_template_update AFTER UPDATE ON template BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('template', NEW.id);
END;
CREATE TRIGGER search_template_delete AFTER DELETE ON template BEGIN
    INSERT INTO search_queue (kind, record_id) VALUES ('template', OLD.id);
END;
