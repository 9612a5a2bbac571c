package io.tourniquet.audit.rest;

import io.micrometer.core.instrument.MeterRegistry;
import io.tourniquet.access.Caller;
import io.tourniquet.schemas.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import io.tourniquet.audit.store.ChainHeadSigner;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import io.tourniquet.audit.store.AuditQueries;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.annotations.Operation;

@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    @Inject
    AuditQueries queries;

    @Inject
    Caller caller;

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR, Roles.SOC})
    @GET
    @Path("/state")
    @Operation(summary = "Current state of each mitigation on each server, filterable by tenant, server and mitigation")
    public List<AuditQueries.MitigationState> state(@QueryParam("tenant") String tenant, @QueryParam("server") String server,
            @QueryParam("mitigation") String mitigation) throws SQLException {
        return queries.states(caller.tenantFilter(tenant), server, mitigation);
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR, Roles.SOC})
    @GET
    @Path("/servers")
    @Operation(summary = "Each server as its agent last described it (product, build, backend, agent version) and when it was last heard from")
    public List<AuditQueries.Server> servers(@QueryParam("tenant") String tenant, @QueryParam("server") String server) throws SQLException {
        return queries.servers(caller.tenantFilter(tenant), server);
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR, Roles.SOC})
    @GET
    @Path("/summary")
    @Operation(summary = "Per tenant, how many server/mitigation pairs are in each state")
    public Map<String, Map<String, Long>> summary() throws SQLException {
        Map<String, Map<String, Long>> summary = new TreeMap<>(queries.summary());
        summary.keySet().removeIf(tenant -> !caller.mayAccess(tenant));
        return summary;
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR, Roles.SOC})
    @GET
    @Path("/events")
    @Operation(summary = "Stored events in order (history of a server, a mitigation, a tenant), filterable by type, outcome and "
            + "time [from, to), paged by sequence number (pass the last seq seen as 'after'); order=newest gives the latest first")
    public List<AuditQueries.Event> events(@QueryParam("tenant") String tenant, @QueryParam("server") String server,
            @QueryParam("mitigation") String mitigation, @QueryParam("type") String type, @QueryParam("outcome") String outcome,
            @QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("after") @DefaultValue("0") long after, @QueryParam("limit") @DefaultValue("100") int limit,
            @QueryParam("order") @DefaultValue("oldest") String order) throws SQLException {
        if (limit < 1 || limit > 1000) {
            throw new BadRequestException("limit must be between 1 and 1000");
        }
        if (!order.equals("oldest") && !order.equals("newest")) {
            throw new BadRequestException("order must be 'oldest' (the default: page forward with 'after') or 'newest'; was '" + order + "'");
        }
        return queries.events(new AuditQueries.EventFilter(caller.tenantFilter(tenant), server, mitigation, type, outcome, instant(from, "from"), instant(to, "to")),
                after, limit, order.equals("newest"));
    }

    private static Instant instant(String value, String name) {
        try {
            return value == null || value.isBlank() ? null : Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new BadRequestException(name + " must be an ISO-8601 instant such as 2026-11-01T00:00:00Z; was '" + value + "'");
        }
    }

    /** A verification and, when the chain is intact and a key is configured, its head signed by the audit service. */
    public record ChainReport(AuditQueries.ChainVerification verification, ChainHeadSigner.SignedHead signedHead) {
    }

    @Inject
    ChainHeadSigner signer;

    @Inject
    MeterRegistry registry;

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR})
    @GET
    @Path("/tenants/{tenant}/chain")
    @Operation(summary = "Recompute the tenant's hash chain (per tenant, in storage order): whether it is intact, its head, and the head "
            + "signed by the audit service's key, for the customer to keep")
    public ChainReport chain(@PathParam("tenant") String tenant) throws SQLException {
        var verification = queries.verifyChain(tenant);
        if (!verification.valid()) {
            registry.counter("tourniquet.audit.chain.verification.failures", "tenant", tenant).increment();
            return new ChainReport(verification, null);
        }
        return new ChainReport(verification, signer.sign(tenant, verification.events(), verification.head()).orElse(null));
    }

    /**
     * A head received earlier: the payload of a chain.head-signed event as it was published. What is checked is its
     * fields; signedText and publicKey are accepted as published and not relied on (the text is rebuilt from the
     * fields, the key is this service's own).
     */
    public record PublishedHead(long events, String head, String signedAt, String keyId, String signature, String signedText, String publicKey) {
    }

    /** Whether the head's signature is the audit key's, and whether the database still meets it; trusted when both hold. */
    public record HeadCheck(ChainHeadSigner.Verdict signature, AuditQueries.ChainVerification verification, boolean trusted) {
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR})
    @POST
    @Path("/tenants/{tenant}/chain/verification")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Check the tenant's chain in the database against a head published earlier (a chain.head-signed event the SOC or the "
            + "customer received): the head's signature, and whether the first events still hash to it, so that history rewritten in the "
            + "database with every hash recomputed is found")
    public HeadCheck verifyAgainst(@PathParam("tenant") String tenant, PublishedHead published) throws SQLException {
        if (published == null || published.events() < 1 || published.head() == null || !published.head().matches("[0-9a-f]{64}")
                || published.signedAt() == null) {
            throw new BadRequestException("a published head needs events (at least 1), head (64 hex digits) and signedAt");
        }
        var signature = signer.verify(tenant, published.events(), published.head(), published.signedAt(), published.keyId(), published.signature());
        var verification = queries.verifyChain(tenant, new AuditQueries.Anchor(published.events(), published.head(), published.signedAt()));
        if (!verification.valid()) {
            registry.counter("tourniquet.audit.chain.verification.failures", "tenant", tenant).increment();
        }
        return new HeadCheck(signature, verification, verification.valid() && signature == ChainHeadSigner.Verdict.VALID);
    }
}
