package io.tourniquet.audit.messaging;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.tourniquet.testsupport.KafkaBrokerResource;

/** The default: no JDBC URL configured, the embedded database (a new one per run: the tests' application.properties). */
@QuarkusTest
@QuarkusTestResource(value = KafkaBrokerResource.class, initArgs = @ResourceArg(name = KafkaBrokerResource.TENANTS_ARG, value = "tenant-embedded,tenant-postgres,reports-embedded,reports-postgres,forged-embedded,forged-postgres,blocked-embedded,blocked-postgres"))
class EmbeddedDatabaseAuditTest extends AuditIngestionScenario {

    @Override
    String activeDatasource() {
        return "embedded";
    }

    @Override
    String tenant() {
        return "tenant-embedded";
    }
}
