-- Leaner bulk loads (an import of many customers into the notebook).

-- customer_updated_id (migration 003) orders by updated_at first, so it serves every query
-- customer_updated did; the second index only cost every write its upkeep.
DROP INDEX customer_updated;

-- A queue entry may stand for a run of consecutive records, record_id to last_record_id: an
-- import queues each part's new customers, and their notes, in one entry rather than one apiece.
ALTER TABLE search_queue ADD COLUMN last_record_id INTEGER CHECK (last_record_id >= record_id);
