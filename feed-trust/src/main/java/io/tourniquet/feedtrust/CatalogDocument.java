package io.tourniquet.feedtrust;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;
import java.util.List;

/**
 * The JSON form of a list of mitigation definitions (the bundled catalog, and the body of Tourniquet's signed feed).
 * Unknown fields are errors: a field we do not understand could change what an action means. {@code issuedAt} and
 * {@code expiresAt} are required in signed feeds (freeze protection); the bundled catalog has none.
 */
public record CatalogDocument(String feedId, String version, Instant issuedAt, Instant expiresAt, List<Definition> mitigations) {

    public record Definition(String id, int revision, String title, String description, List<String> cves,
            String product, List<BuildRange> applicableBuilds, List<String> fixedBy, List<Action> actions) {
    }

    public record BuildRange(String from, String to) {
    }

    public record Condition(String input, String pattern, Boolean ignoreCase, Boolean negate) {
    }

    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    @JsonSubTypes({
            @JsonSubTypes.Type(value = BlockRequests.class, name = "blockRequests"),
            @JsonSubTypes.Type(value = RewriteResponseHeader.class, name = "rewriteResponseHeader"),
            @JsonSubTypes.Type(value = DisableService.class, name = "disableService"),
            @JsonSubTypes.Type(value = DisableAppPool.class, name = "disableAppPool"),
            @JsonSubTypes.Type(value = DisableVirtualDirectory.class, name = "disableVirtualDirectory"),
            @JsonSubTypes.Type(value = SetAuthentication.class, name = "setAuthentication"),
            @JsonSubTypes.Type(value = Heartbeat.class, name = "heartbeat")})
    public sealed interface Action permits BlockRequests, RewriteResponseHeader, DisableService, DisableAppPool,
            DisableVirtualDirectory, SetAuthentication, Heartbeat {
    }

    public record BlockRequests(String ruleName, String site, String matchUrl, List<Condition> conditions,
            Boolean matchAll, String response) implements Action {
    }

    public record RewriteResponseHeader(String ruleName, String site, String pathPattern, String contentTypePattern,
            String headerName, String appendValue) implements Action {
    }

    public record DisableService(String serviceName) implements Action {
    }

    public record DisableAppPool(String appPoolName) implements Action {
    }

    public record DisableVirtualDirectory(String site, String path) implements Action {
    }

    public record SetAuthentication(String site, String path, String method, Boolean enabled) implements Action {
    }

    public record Heartbeat(String note) implements Action {
    }
}
