package io.tourniquet.audit.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.TopicRecords;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.topics.Topics;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A tenant's webhook gets the event types it chose, signed, after a failed first attempt; other types and tenants are not sent. */
@QuarkusTest
@QuarkusTestResource(value = KafkaBrokerResource.class, initArgs = @ResourceArg(name = KafkaBrokerResource.TENANTS_ARG, value = "hooked"))
@QuarkusTestResource(WebhookReceiver.class)
class WebhookTest {

    @Test
    void aHaltIsNotifiedSignedAndRetriedUntilTheReceiverAcceptsIt() {
        var applied = AuditEvents.builder("policy-service", AuditType.DECISION_APPLY, "commanded", "policy-service").setTenantId("hooked").build();
        var halted = AuditEvents.builder("policy-service", AuditType.DECISION_HALTED, "halted", "policy-service").setTenantId("hooked")
                .setMitigationId("M1.1").setReason("rollout halted: 2 of 5 servers failed").build();
        var otherTenant = AuditEvents.builder("policy-service", AuditType.DECISION_HALTED, "halted", "policy-service").setTenantId("not-hooked").build();
        TopicRecords.send(KafkaBrokerResource.bootstrapServers(), Topics.AUDIT, "hooked", applied);
        TopicRecords.send(KafkaBrokerResource.bootstrapServers(), Topics.AUDIT, "not-hooked", otherTenant);
        TopicRecords.send(KafkaBrokerResource.bootstrapServers(), Topics.AUDIT, "hooked", halted);

        await().atMost(Duration.ofSeconds(30)).until(() -> !WebhookReceiver.RECEIVED.isEmpty());
        assertThat(WebhookReceiver.REQUESTS.get()).as("the first attempt got a 503 and was retried").isGreaterThanOrEqualTo(2);
        assertThat(WebhookReceiver.RECEIVED).singleElement().satisfies(r -> {
            assertThat(r.body()).contains("\"id\":\"" + halted.getEventId() + "\"").contains("rollout halted");
            assertThat(r.signature()).isEqualTo("sha256=" + Webhooks.sign("s3cret", r.body()));
        });
    }
}
