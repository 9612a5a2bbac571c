package io.tourniquet.audit.cloudevents;

import io.cloudevents.CloudEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The live stream of published events for server-sent events: hot (a subscriber sees what is published after it
 * subscribed); what was missed is read from the audit API or the CloudEvents topic. Events are published a batch at a
 * time, faster than a connection takes them: each subscriber has a buffer of a batch and more, and one that falls
 * further behind is disconnected with an error (it then catches up from the API), never fed a stream with gaps.
 */
@ApplicationScoped
public class LiveStream {

    /** Events a subscriber may be behind: the outbox publishes up to 10,000 (tourniquet.audit.cloudevents-batch) at once. */
    private static final int SUBSCRIBER_BUFFER = 50_000;

    private final BroadcastProcessor<CloudEvent> events = BroadcastProcessor.create();

    /** Called once the event is on Kafka and the outbox cursor has moved past it. */
    void emit(CloudEvent event) {
        events.onNext(event);
    }

    public Multi<CloudEvent> events() {
        // without a buffer, an event emitted while the subscriber has no outstanding request fails its stream
        return events.onOverflow().buffer(SUBSCRIBER_BUFFER);
    }
}
