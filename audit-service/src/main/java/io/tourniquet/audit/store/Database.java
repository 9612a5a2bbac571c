package io.tourniquet.audit.store;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.tourniquet.audit.config.AuditConfig;
import io.tourniquet.audit.config.AuditDatabaseSelector;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

/**
 * The audit database: the Quarkus datasource that is active (PostgreSQL when configured, the embedded H2 file
 * otherwise, see {@link AuditDatabaseSelector}), migrated by Flyway at start and part of readiness.
 */
@ApplicationScoped
public class Database {

    private static final Logger LOG = Logger.getLogger(Database.class);

    @Inject
    AuditConfig config;

    @Inject
    @DataSource(AuditDatabaseSelector.POSTGRESQL)
    Instance<AgroalDataSource> postgresql;

    @Inject
    @DataSource(AuditDatabaseSelector.EMBEDDED)
    Instance<AgroalDataSource> embedded;

    private volatile AgroalDataSource dataSource;

    public AgroalDataSource dataSource() {
        AgroalDataSource ds = dataSource;
        if (ds == null) {
            synchronized (this) {
                if (dataSource == null) {
                    dataSource = isPostgres() ? postgresql.get() : embedded.get();
                    LOG.infof("audit database: %s", description());
                }
                ds = dataSource;
            }
        }
        return ds;
    }

    /** PostgreSQL rather than the embedded H2: some statements have a faster PostgreSQL form. */
    public boolean isPostgres() {
        return config.jdbcUrl().filter(url -> !url.isBlank()).isPresent();
    }

    public String description() {
        return isPostgres() ? "PostgreSQL at " + config.jdbcUrl().orElseThrow() + config.jdbcSchema().map(s -> ", schema " + s).orElse("")
                : "embedded H2 at " + config.embeddedDir().toAbsolutePath();
    }

    /** A connection that does not auto-commit: every write here commits or rolls back its own transaction. */
    public Connection connection() throws SQLException {
        Connection c = dataSource().getConnection();
        c.setAutoCommit(false);
        return c;
    }
}
