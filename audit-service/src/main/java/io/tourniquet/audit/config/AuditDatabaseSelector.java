package io.tourniquet.audit.config;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;
import jakarta.annotation.Priority;
import java.nio.file.Path;

/**
 * Chooses the audit database from the operator's settings, so that one setting says it. Quarkus keeps a datasource
 * without a JDBC URL inactive: with {@code tourniquet.audit.jdbc-url} the "postgresql" datasource has one (from
 * application.properties) and the "embedded" one gets none; without it, only "embedded" gets a URL, made here (an H2
 * file under {@code tourniquet.audit.embedded-dir}). An embedded URL set explicitly wins.
 */
@Priority(Priorities.APPLICATION)
public class AuditDatabaseSelector implements ConfigSourceInterceptor {

    public static final String POSTGRESQL = "postgresql";
    public static final String EMBEDDED = "embedded";
    static final String DEFAULT_EMBEDDED_DIR = "target/audit-db";
    private static final String EMBEDDED_URL = "quarkus.datasource." + EMBEDDED + ".jdbc.url";

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue explicit = context.proceed(name);
        if (explicit != null || !name.replace("\"", "").equals(EMBEDDED_URL)) {
            return explicit;
        }
        // a datasource without a JDBC URL is inactive: not opened, not migrated, not in readiness
        return postgresqlConfigured(context) ? null : derived(name, embeddedUrl(context));
    }

    private static boolean postgresqlConfigured(ConfigSourceInterceptorContext context) {
        ConfigValue url = context.proceed("tourniquet.audit.jdbc-url");
        return url != null && url.getValue() != null && !url.getValue().isBlank();
    }

    /**
     * H2 refuses a file path implicitly relative to the working directory: the directory is made absolute. H2 would
     * also close the database from a JVM shutdown hook of its own, while the service is still stopping (the outbox's
     * last publication then failed with "Database is already closed"): the datasource's pool closes it instead, last.
     */
    private static String embeddedUrl(ConfigSourceInterceptorContext context) {
        ConfigValue dir = context.proceed("tourniquet.audit.embedded-dir");
        String configured = dir == null || dir.getValue() == null || dir.getValue().isBlank() ? DEFAULT_EMBEDDED_DIR : dir.getValue();
        return "jdbc:h2:file:" + Path.of(configured).toAbsolutePath().normalize().resolve("audit")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE";
    }

    private static ConfigValue derived(String name, String value) {
        return ConfigValue.builder().withName(name).withValue(value).withConfigSourceName(AuditDatabaseSelector.class.getSimpleName()).build();
    }
}
