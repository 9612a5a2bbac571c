package io.tourniquet.audit.health;

import io.tourniquet.audit.messaging.StoreRetries;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready while a batch of events waits for the database: what is received is not being stored. */
@Readiness
@ApplicationScoped
public class StoreHealth implements HealthCheck {

    @Inject
    StoreRetries retries;

    @Override
    public HealthCheckResponse call() {
        int waiting = retries.waiting();
        var response = HealthCheckResponse.named("audit-store").status(waiting == 0).withData("batchesWaitingForTheDatabase", waiting);
        return waiting == 0 ? response.build() : response.withData("lastError", retries.lastError()).build();
    }
}
