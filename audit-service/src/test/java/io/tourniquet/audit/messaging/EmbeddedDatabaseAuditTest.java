package io.tourniquet.audit.messaging;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.tourniquet.testsupport.KafkaBrokerResource;
import java.util.Map;
import java.util.UUID;

/** The default: no JDBC URL configured, the embedded database (a new one per run). */
@QuarkusTest
@QuarkusTestResource(value = KafkaBrokerResource.class, initArgs = @ResourceArg(name = KafkaBrokerResource.TENANTS_ARG, value = "tenant-embedded,tenant-postgres,reports-embedded,reports-postgres,forged-embedded,forged-postgres,blocked-embedded,blocked-postgres"))
@TestProfile(EmbeddedDatabaseAuditTest.FreshEmbeddedDatabase.class)
class EmbeddedDatabaseAuditTest extends AuditIngestionScenario {

    public static class FreshEmbeddedDatabase implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tourniquet.audit.embedded-dir", "target/test-audit-db/" + UUID.randomUUID());
        }
    }

    @Override
    String activeDatasource() {
        return "embedded";
    }

    @Override
    String tenant() {
        return "tenant-embedded";
    }
}
