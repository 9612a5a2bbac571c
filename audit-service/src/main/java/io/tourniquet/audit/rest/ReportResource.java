package io.tourniquet.audit.rest;

import io.tourniquet.access.Caller;
import io.tourniquet.schemas.security.Roles;
import jakarta.annotation.security.RolesAllowed;

import io.tourniquet.audit.report.CsvWriter;
import io.tourniquet.audit.report.Reports;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** Compliance answers for auditors and SOC analysts. Times are ISO-8601 instants (2026-11-01T00:00:00Z). */
@Path("/api/v1/reports")
@Produces(MediaType.APPLICATION_JSON)
public class ReportResource {

    @Inject
    Reports reports;

    @Inject
    Caller caller;

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR})
    @GET
    @Path("/exposure/{cve}")
    @Operation(summary = "For a CVE: the servers found affected, when the mitigation was published, when each was mitigated or patched, "
            + "how long each was exposed, which are still exposed and why (blocked, awaiting approval, failed, offline...)")
    public Reports.ExposureReport exposure(@PathParam("cve") String cve, @QueryParam("tenant") String tenant, @QueryParam("asOf") String asOf)
            throws SQLException {
        if (!cve.matches("CVE-\\d{4}-\\d{4,}")) {
            throw new BadRequestException("not a CVE id: " + cve);
        }
        return reports.exposure(cve, caller.tenantFilter(tenant), instant(asOf, Instant.now(), "asOf"));
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR})
    @GET
    @Path("/time-to-mitigate")
    @Operation(summary = "Per tenant: from a mitigation's publication to the agent's report that it is applied, for servers mitigated in "
            + "[from, to): count, median, p95 and max in seconds (nearest-rank percentiles)")
    public Map<String, Reports.TimeToMitigate> timeToMitigate(@QueryParam("tenant") String tenant, @QueryParam("from") String from,
            @QueryParam("to") String to) throws SQLException {
        Instant end = instant(to, Instant.now(), "to");
        return reports.timeToMitigate(caller.tenantFilter(tenant), instant(from, end.minus(Duration.ofDays(30)), "from"), end);
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR})
    @GET
    @Path("/kev-overdue")
    @Operation(summary = "Servers exposed past the CISA KEV due date of a CVE a mitigation addresses, or mitigated only after it")
    public List<Reports.Overdue> kevOverdue(@QueryParam("tenant") String tenant, @QueryParam("asOf") String asOf) throws SQLException {
        return reports.kevOverdue(caller.tenantFilter(tenant), instant(asOf, Instant.now(), "asOf"));
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR, Roles.SOC})
    @GET
    @Path("/stuck-commands")
    @Operation(summary = "Commands without a result olderThan (ISO-8601 duration, default PT10M) after they were sent, on servers that "
            + "reported since: agents alive but not executing. Offline servers are not listed.")
    public List<Reports.StuckCommand> stuckCommands(@QueryParam("tenant") String tenant, @QueryParam("olderThan") @DefaultValue("PT10M") String olderThan)
            throws SQLException {
        Duration age;
        try {
            age = Duration.parse(olderThan);
        } catch (DateTimeParseException e) {
            throw new BadRequestException("olderThan must be an ISO-8601 duration such as PT10M; was '" + olderThan + "'");
        }
        if (age.isNegative()) {
            throw new BadRequestException("olderThan must not be negative");
        }
        return reports.stuckCommands(caller.tenantFilter(tenant), age, Instant.now());
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR, Roles.SOC})
    @GET
    @Path("/enforcement")
    @Operation(summary = "Per server and mitigation: requests its rules refused (blocked) and, log-only, would have refused (wouldBlock), "
            + "first and last seen, as the agents count them (nginx) and report them with heartbeats; most refusals first")
    public List<Reports.Enforcement> enforcement(@QueryParam("tenant") String tenant) throws SQLException {
        return reports.enforcement(caller.tenantFilter(tenant));
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR, Roles.SOC})
    @GET
    @Path("/mitigations")
    @Operation(summary = "The mitigation catalog as published: CVEs, first publication, withdrawal, KEV due date")
    public List<Reports.Mitigation> catalog() throws SQLException {
        return reports.catalog();
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR})
    @GET
    @Path("/evidence/{tenant}")
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    @Operation(summary = "Every stored event of a tenant in [from, to) with who requested and approved, what changed (payload), "
            + "verification and hash-chain links; format=json (default) or csv")
    public Response evidence(@PathParam("tenant") String tenant, @QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("format") String format) throws SQLException {
        Instant end = instant(to, Instant.now(), "to");
        List<Reports.EvidenceRow> rows = reports.evidence(tenant, instant(from, end.minus(Duration.ofDays(30)), "from"), end);
        String name = "tourniquet-evidence-" + tenant + "." + ("csv".equals(format) ? "csv" : "json");
        if ("csv".equals(format)) {
            return Response.ok(CsvWriter.evidence(rows), "text/csv").header("Content-Disposition", "attachment; filename=" + name).build();
        }
        if (format != null && !"json".equals(format)) {
            throw new BadRequestException("format must be json or csv");
        }
        return Response.ok(rows, MediaType.APPLICATION_JSON).header("Content-Disposition", "attachment; filename=" + name).build();
    }

    private static Instant instant(String value, Instant fallback, String name) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new BadRequestException(name + " must be an ISO-8601 instant such as 2026-11-01T00:00:00Z; was '" + value + "'");
        }
    }
}
