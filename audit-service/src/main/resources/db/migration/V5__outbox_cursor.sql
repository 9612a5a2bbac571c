-- Events are stored in sequence order by a single writer, so the CloudEvents outbox only needs to remember the last
-- sequence it published: one row updated per batch instead of a flag updated (and re-indexed) on every event, which
-- doubled the database's work per stored event.
CREATE TABLE outbox_cursor (
    name      VARCHAR(32) PRIMARY KEY,
    last_seq  BIGINT      NOT NULL
);
INSERT INTO outbox_cursor (name, last_seq)
    SELECT 'cloudevents', COALESCE((SELECT MIN(seq) - 1 FROM audit_event WHERE published = FALSE), (SELECT MAX(seq) FROM audit_event), 0);
DROP INDEX audit_event_unpublished;
ALTER TABLE audit_event DROP COLUMN published;
