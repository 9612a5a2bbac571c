package io.tourniquet.access;

import java.time.Instant;

/**
 * A refused API call, fired (asynchronously) for the service to put in its audit trail. {@code tenant} is set only
 * when an authenticated caller was refused a tenant's resource: an anonymous caller cannot make chains for names it
 * invents.
 */
public record ApiRefusal(int status, String method, String path, String caller, String tenant, String from, Instant at) {

    /** What was refused, as the audit record's reason says it. */
    public String summary() {
        return status + " " + method + " " + path + " from " + from;
    }
}
