package io.tourniquet.audit.cloudevents;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import java.net.URI;
import java.time.ZoneOffset;

/**
 * One stored event as a CloudEvent: id = the event id (source + id unique), subject tenant/server/mitigation, a
 * {@code tenant} extension to filter on, JSON data shaped after OCSF (Remediation Activity; Detection Finding for
 * exploitation attempts stopped).
 */
public final class CloudEventMapper {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CloudEventMapper() {
    }

    public static CloudEvent of(OcsfRemediation.Row row) throws JsonProcessingException {
        StringBuilder subject = new StringBuilder(row.tenantId());
        if (row.serverId() != null) {
            subject.append('/').append(row.serverId());
        }
        if (row.mitigationId() != null) {
            subject.append('/').append(row.mitigationId());
        }
        return CloudEventBuilder.v1()
                .withId(row.eventId())
                .withSource(URI.create(OcsfRemediation.SOURCE))
                .withType(OcsfRemediation.TYPE_PREFIX + row.type())
                .withSubject(subject.toString())
                .withTime(row.occurredAt().atOffset(ZoneOffset.UTC))
                .withDataContentType("application/json")
                .withDataSchema(URI.create(OcsfRemediation.dataSchema(row)))
                .withExtension("tenant", row.tenantId())
                .withData(JSON.writeValueAsBytes(OcsfRemediation.of(row)))
                .build();
    }

}
