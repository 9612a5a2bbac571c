package io.tourniquet.audit.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One setting chooses the audit database; the embedded one is an H2 file that the service, not H2, closes. */
class AuditDatabaseSelectorTest {

    private static final String EMBEDDED_URL = "quarkus.datasource.\"embedded\".jdbc.url";

    private static SmallRyeConfig config(Map<String, String> settings) {
        return new SmallRyeConfigBuilder().withInterceptors(new AuditDatabaseSelector()).withDefaultValues(settings).build();
    }

    @Test
    void withoutPostgresqlTheEmbeddedDatabaseIsAnAbsoluteH2FileClosedByThePoolNotByH2sShutdownHook(@TempDir Path dir) {
        String url = config(Map.of("tourniquet.audit.embedded-dir", dir.toString())).getValue(EMBEDDED_URL, String.class);

        assertThat(url).startsWith("jdbc:h2:file:" + dir.toAbsolutePath().resolve("audit") + ";")
                // H2's own shutdown hook closed the database while the outbox was still publishing at a stop
                .contains(";DB_CLOSE_ON_EXIT=FALSE", ";MODE=PostgreSQL");
    }

    @Test
    void withPostgresqlTheEmbeddedDatasourceHasNoUrlAndStaysInactive() {
        SmallRyeConfig config = config(Map.of("tourniquet.audit.jdbc-url", "jdbc:postgresql://127.0.0.1:5432/test"));

        assertThat(config.getOptionalValue(EMBEDDED_URL, String.class)).isEmpty();
    }
}
