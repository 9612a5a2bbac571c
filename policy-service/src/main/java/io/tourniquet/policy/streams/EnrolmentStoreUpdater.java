package io.tourniquet.policy.streams;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Keeps the global store of agent enrolments as the compacted topic says: a tombstone revokes. */
class EnrolmentStoreUpdater implements Processor<String, SpecificRecord, Void, Void> {

    private KeyValueStore<String, SpecificRecord> enrolments;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        enrolments = context.getStateStore(PolicyTopology.ENROLMENTS_STORE);
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            enrolments.delete(record.key());
        } else {
            enrolments.put(record.key(), record.value());
        }
    }
}
