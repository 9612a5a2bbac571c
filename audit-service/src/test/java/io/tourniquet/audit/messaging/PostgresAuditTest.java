package io.tourniquet.audit.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.PostgresSchemaResource;
import java.sql.Connection;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Against the real PostgreSQL of this machine (127.0.0.1:5432, database "test"), in a schema of its own that is dropped
 * when the application stops.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaBrokerResource.class, initArgs = @ResourceArg(name = KafkaBrokerResource.TENANTS_ARG, value = "tenant-embedded,tenant-postgres,reports-embedded,reports-postgres,forged-embedded,forged-postgres"))
@QuarkusTestResource(value = PostgresSchemaResource.class, restrictToAnnotatedClass = true)
@TestProfile(PostgresAuditTest.Postgres.class)
class PostgresAuditTest extends AuditIngestionScenario {

    /** A profile of its own: the application restarts for this class, with the PostgreSQL schema resource. */
    public static class Postgres implements QuarkusTestProfile {
    }

    @Override
    String activeDatasource() {
        return "postgresql";
    }

    @Override
    String tenant() {
        return "tenant-postgres";
    }

    /** Every scenario above would pass on the embedded database too: this one proves where the rows went. */
    @Test
    void theRowsAreInPostgresqlInTheSchemaOfThisRun() throws Exception {
        var schema = PostgresSchemaResource.current();
        try (Connection c = database.connection()) {
            assertThat(c.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
            try (var rs = c.createStatement().executeQuery("SELECT current_schema()")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo(schema.name());
            }
        }
        String tenant = "where-" + UUID.randomUUID().toString().substring(0, 8);
        long before = schema.count("audit_event");
        store.store(List.of(io.tourniquet.audit.domain.EventMapper.map(decisionRecord(tenant, java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS)),
                io.tourniquet.schemas.topics.Topics.AUDIT)));
        assertThat(schema.count("audit_event")).as("read over a connection of its own").isEqualTo(before + 1);
    }
}
