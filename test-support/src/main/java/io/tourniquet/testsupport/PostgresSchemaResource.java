package io.tourniquet.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tourniquet.devstack.PostgresSchema;
import java.util.Map;

/**
 * Gives a @QuarkusTest of the audit service a PostgreSQL schema of its own (on {@code -Dtourniquet.test.postgres.url},
 * else this machine's), and drops it once the application has stopped. Use with {@code restrictToAnnotatedClass}.
 */
public class PostgresSchemaResource implements QuarkusTestResourceLifecycleManager {

    /** Prefix of every schema the tests make: what is found with it after a run was left behind. */
    public static final String PREFIX = "audit_test_";

    private static volatile PostgresSchema current;

    /** The schema of the application running now. */
    public static PostgresSchema current() {
        return current;
    }

    private PostgresSchema schema;

    @Override
    public Map<String, String> start() {
        schema = PostgresSchema.forTests(PREFIX);
        current = schema;
        return schema.auditConfig();
    }

    @Override
    public void stop() {
        if (schema != null) {
            schema.close();
        }
    }
}
