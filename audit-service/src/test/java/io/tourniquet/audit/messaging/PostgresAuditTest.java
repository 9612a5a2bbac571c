package io.tourniquet.audit.messaging;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.PostgresSchemaResource;
import io.tourniquet.testsupport.TopicRecords;
import io.tourniquet.schemas.topics.Topics;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Against the real PostgreSQL of this machine (127.0.0.1:5432, database "test"), in a schema of its own that is dropped
 * when the application stops.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaBrokerResource.class, initArgs = @ResourceArg(name = KafkaBrokerResource.TENANTS_ARG, value = "tenant-embedded,tenant-postgres,reports-embedded,reports-postgres,forged-embedded,forged-postgres,blocked-embedded,blocked-postgres"))
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

    /**
     * PostgreSQL refuses every insert for a while, as a full disk would: the service turns not ready and says why,
     * retries the batch with backoff instead of stopping its consumer, and once the database takes writes again
     * stores the event once, its chain valid, and is ready again.
     */
    @Test
    void aDatabaseThatRefusesWritesForAWhileMakesTheServiceNotReadyAndLosesNothing() throws Exception {
        String tenant = "refused-" + UUID.randomUUID().toString().substring(0, 8);
        execute("CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "RAISE EXCEPTION 'could not extend file: No space left on device'; END $$");
        execute("CREATE TRIGGER refuse_writes BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION refuse_writes()");
        try {
            TopicRecords.send(KafkaBrokerResource.bootstrapServers(), Topics.AUDIT, tenant,
                    decisionRecord(tenant, Instant.now().truncatedTo(ChronoUnit.MILLIS)));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(503)
                    .body("checks.find { it.name == 'audit-store' }.status", is("DOWN"))
                    .body("checks.find { it.name == 'audit-store' }.data.lastError", containsString("No space left on device")));
        } finally {
            execute("DROP TRIGGER refuse_writes ON audit_event");
            execute("DROP FUNCTION refuse_writes()");
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> queries.verifyChain(tenant).events() == 1);
        assertThat(queries.verifyChain(tenant).valid()).isTrue();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));
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
