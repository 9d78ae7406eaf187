-- customer_updated_id (migration 003) orders by updated_at first, so it serves every query
-- customer_updated did; the second index only cost every write (and every import) its upkeep.

DROP INDEX customer_updated;
