package io.tourniquet.devstack;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A schema of its own in a PostgreSQL database, for one run of the bench or of a test: the audit service creates its
 * tables there (Flyway), and {@link #close()} drops the schema with everything in it, so that nothing is left behind.
 */
public record PostgresSchema(String url, String user, String name) implements AutoCloseable {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    public PostgresSchema {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a plain schema name: " + name);
        }
    }

    /** A new, unique name starting with the prefix (nothing is created until the audit service connects). */
    public static PostgresSchema fresh(String url, String user, String prefix) {
        return new PostgresSchema(url, user, prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
    }

    /** The PostgreSQL the tests use: {@code -Dtourniquet.test.postgres.url} and {@code .user}, else this machine's. */
    public static PostgresSchema forTests(String prefix) {
        return fresh(System.getProperty("tourniquet.test.postgres.url", "jdbc:postgresql://127.0.0.1:5432/test"),
                System.getProperty("tourniquet.test.postgres.user", "postgres"), prefix);
    }

    /** The audit service's settings for this schema. */
    public Map<String, String> auditConfig() {
        return Map.of("tourniquet.audit.jdbc-url", url, "tourniquet.audit.jdbc-user", user, "tourniquet.audit.jdbc-schema", name);
    }

    /** Rows of a table in this schema, read over a connection of its own: proof of where the data went. */
    public long count(String table) throws SQLException {
        try (Connection c = connect(); var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM " + name + "." + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The audit_event rows about a mitigation, counted per event id (more than one: stored twice). */
    public Map<String, Long> rowsPerEventId(String mitigationId) throws SQLException {
        Map<String, Long> rows = new HashMap<>();
        try (Connection c = connect(); var ps = c.prepareStatement("SELECT event_id, COUNT(*) FROM " + name + ".audit_event WHERE mitigation_id = ? GROUP BY event_id")) {
            ps.setString(1, mitigationId);
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return rows;
    }

    /** Whether the schema exists (the audit service creates it on its first connection). */
    public boolean exists() throws SQLException {
        try (Connection c = connect(); var ps = c.prepareStatement("SELECT 1 FROM information_schema.schemata WHERE schema_name = ?")) {
            ps.setString(1, name);
            try (var rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Drops the schema and everything in it. */
    @Override
    public void close() {
        try (Connection c = connect()) {
            c.createStatement().execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop schema " + name + " at " + url + ": " + e.getMessage(), e);
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, null);
    }
}
