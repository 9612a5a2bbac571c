package io.tourniquet.audit.store;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.quarkus.runtime.ShutdownEvent;
import io.tourniquet.audit.config.AuditConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.time.Duration;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

/** The audit database: PostgreSQL when configured, an embedded H2 file otherwise; migrated by Flyway at startup. */
@ApplicationScoped
public class Database {

    private static final Logger LOG = Logger.getLogger(Database.class);

    @Inject
    AuditConfig config;

    private AgroalDataSource dataSource;
    private String description;
    private boolean postgres;

    public synchronized AgroalDataSource dataSource() {
        if (dataSource == null) {
            dataSource = open();
        }
        return dataSource;
    }

    /** PostgreSQL rather than the embedded H2: some statements have a faster PostgreSQL form. */
    public boolean isPostgres() {
        dataSource();
        return postgres;
    }

    public String description() {
        dataSource();
        return description;
    }

    public Connection connection() throws SQLException {
        return dataSource().getConnection();
    }

    private AgroalDataSource open() {
        String url = config.jdbcUrl().orElseGet(() -> "jdbc:h2:file:" + config.embeddedDir().toAbsolutePath().resolve("audit")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
        Class<? extends Driver> driver = url.startsWith("jdbc:postgresql:") ? org.postgresql.Driver.class
                : url.startsWith("jdbc:h2:") ? org.h2.Driver.class : null;
        if (driver == null) {
            throw new IllegalArgumentException("tourniquet.audit.jdbc-url must be a jdbc:postgresql: URL (or unset for the embedded database), got " + url);
        }
        postgres = driver == org.postgresql.Driver.class;
        description = url.startsWith("jdbc:h2:") ? "embedded H2 at " + config.embeddedDir().toAbsolutePath() : "PostgreSQL at " + url;
        var supplier = new AgroalDataSourceConfigurationSupplier()
                .connectionPoolConfiguration(pool -> pool
                        .maxSize(config.poolSize())
                        .acquisitionTimeout(Duration.ofSeconds(10))
                        .connectionFactoryConfiguration(factory -> {
                            factory.jdbcUrl(url).connectionProviderClass(driver).autoCommit(false);
                            if (driver == org.postgresql.Driver.class) {
                                factory.jdbcProperty("reWriteBatchedInserts", "true"); // one multi-row INSERT per batch, not one per row
                            }
                            // a connection property, not an initial "SET search_path": connections do not auto-commit, and
                            // a SET inside a transaction that is then rolled back is undone, leaving the connection on
                            // the default schema (seen: "relation audit_event does not exist" after a rolled-back batch)
                            config.jdbcSchema().ifPresent(schema -> {
                                if (driver == org.postgresql.Driver.class) {
                                    factory.jdbcProperty("currentSchema", requireIdentifier(schema));
                                } else {
                                    factory.initialSql("SET SCHEMA " + requireIdentifier(schema));
                                }
                            });
                            config.jdbcUser().ifPresent(u -> factory.principal(new NamePrincipal(u)));
                            config.jdbcPassword().ifPresent(p -> factory.credential(new SimplePassword(p)));
                            return factory;
                        }));
        AgroalDataSource ds;
        try {
            ds = AgroalDataSource.from(supplier);
            try (Connection c = ds.getConnection()) {
                c.isValid(5);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to the audit database (" + description + "): " + e.getMessage(), e);
        }
        var flyway = Flyway.configure(Database.class.getClassLoader()).dataSource(ds).locations("classpath:db/migration");
        config.jdbcSchema().ifPresent(schema -> flyway.schemas(schema).createSchemas(true));
        var result = flyway.load().migrate();
        LOG.infof("audit database: %s, schema version %s (%d migrations applied now)", description, result.targetSchemaVersion, result.migrationsExecuted);
        return ds;
    }

    private static String requireIdentifier(String schema) {
        if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("tourniquet.audit.jdbc-schema must be a lower-case SQL identifier, got '" + schema + "'");
        }
        return schema;
    }

    void onStop(@Observes ShutdownEvent event) {
        if (dataSource != null) {
            dataSource.close();
        }
    }
}
