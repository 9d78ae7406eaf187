-- Settings that belong to the notebook rather than to the machine: the sealed automatic-backup
-- password, the last backup's outcome, the access log's head (so removing its newest entries is
-- detected too). Not carried by backups: a restored notebook has keys of its own.

CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
