package io.tourniquet.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tourniquet.devstack.PostgresSchema;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pipeline with the audit service on this machine's PostgreSQL, in a schema of its own that is dropped afterwards. */
class PipelineOnPostgresIT extends PipelineScenario {

    private final PostgresSchema schema = PostgresSchema.forTests("pipeline_test_");

    @Override
    Map<String, String> auditDatabase() {
        return schema.auditConfig();
    }

    @Test
    void theAuditTrailIsInPostgresql() {
        // 2 tenants x 2 servers x 3 applicable mitigations, read over JDBC from the schema itself, not through the service
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(schema.count("mitigation_state")).isEqualTo(12);
            assertThat(schema.count("audit_event")).isGreaterThanOrEqualTo(12);
        });
    }

    @Override
    void cleanUp() throws Exception {
        schema.close();
        assertThat(schema.exists()).as("schema %s left behind", schema.name()).isFalse();
    }
}
