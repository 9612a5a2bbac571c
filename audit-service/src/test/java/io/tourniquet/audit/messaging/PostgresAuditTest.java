package io.tourniquet.audit.messaging;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.tourniquet.localstack.testing.KafkaBrokerResource;
import java.util.Map;
import java.util.UUID;

/** Against the real PostgreSQL of this machine (127.0.0.1:5432, database "test"), in a schema of its own. */
@QuarkusTest
@QuarkusTestResource(value = KafkaBrokerResource.class, initArgs = @ResourceArg(name = KafkaBrokerResource.TENANTS_ARG, value = "tenant-embedded,tenant-postgres,reports-embedded,reports-postgres"))
@TestProfile(PostgresAuditTest.Postgres.class)
class PostgresAuditTest extends AuditIngestionScenario {

    public static class Postgres implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "tourniquet.audit.jdbc-url", System.getProperty("tourniquet.test.postgres.url", "jdbc:postgresql://127.0.0.1:5432/test"),
                    "tourniquet.audit.jdbc-user", System.getProperty("tourniquet.test.postgres.user", "postgres"),
                    "tourniquet.audit.jdbc-schema", "audit_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
        }
    }

    @Override
    String tenant() {
        return "tenant-postgres";
    }
}
