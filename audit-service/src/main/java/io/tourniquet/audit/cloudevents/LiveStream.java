package io.tourniquet.audit.cloudevents;

import io.cloudevents.CloudEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The live stream of published events for server-sent events: hot (a subscriber sees what is published after it
 * subscribed); what was missed is read from the audit API or the CloudEvents topic.
 */
@ApplicationScoped
public class LiveStream {

    private final BroadcastProcessor<CloudEvent> events = BroadcastProcessor.create();

    /** Called once the event is on Kafka and the outbox cursor has moved past it. */
    void emit(CloudEvent event) {
        events.onNext(event);
    }

    public Multi<CloudEvent> events() {
        return events;
    }
}
