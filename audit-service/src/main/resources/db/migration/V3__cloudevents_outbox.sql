-- Each stored event is published once as a CloudEvent after its row is durable (an outbox: nothing is lost if Kafka is away).
ALTER TABLE audit_event ADD COLUMN published BOOLEAN DEFAULT FALSE NOT NULL;
CREATE INDEX audit_event_unpublished ON audit_event (published, seq);
