package io.tourniquet.ingestor.rest;

import java.io.IOException;
import io.tourniquet.schemas.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import io.tourniquet.access.Caller;
import io.tourniquet.access.Problem;
import io.tourniquet.access.RateLimit;
import java.util.Map;
import io.tourniquet.feedtrust.InvalidFeedException;
import io.tourniquet.ingestor.config.IngestorConfig;
import io.tourniquet.ingestor.service.FeedIngestion;
import io.tourniquet.ingestor.service.FeedSourceReader;
import io.tourniquet.ingestor.service.FeedVerification;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

@Path("/api/v1/feeds")
@Produces(MediaType.APPLICATION_JSON)
public class FeedResource {

    /** The verdict on a pushed document. */
    public record Verdict(boolean accepted, String feedId, String version, List<String> published, List<String> withdrawn,
            Integer unchanged, String reason, String message) {
    }

    /** A configured feed and when it last delivered a document that verified. */
    public record FeedStatus(String feedId, String format, String location, Instant lastSuccess) {
    }

    @Inject
    FeedIngestion ingestion;

    @Inject
    IngestorConfig config;

    @Inject
    FeedVerification verification;

    @Inject
    Caller caller;

    /** A publisher pushes when a mitigation changes, minutes apart: the limit bounds what a stolen token or a loop can cost. */
    private final RateLimit pushRate = new RateLimit(30, Duration.ofMinutes(1));

    @GET
    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR, Roles.SOC})
    @Operation(summary = "The configured feeds and when each last delivered a document that verified")
    public List<FeedStatus> feeds() {
        return config.feeds().entrySet().stream().sorted(Map.Entry.comparingByKey()).map(e -> {
            long last = ingestion.lastSuccess(e.getKey()).get();
            return new FeedStatus(e.getKey(), e.getValue().format().name().toLowerCase(), e.getValue().location().orElse("(push only)"),
                    last == 0 ? null : Instant.ofEpochMilli(last));
        }).toList();
    }

    @POST
    @Path("/{feedId}/test")
    @RolesAllowed(Roles.MSP_ADMIN)
    @Operation(summary = "Fetch the feed from its location and verify it now, publishing nothing: is it reachable and trusted?")
    public Response test(@PathParam("feedId") String feedId) {
        IngestorConfig.Feed feed = config.feeds().get(feedId);
        if (feed == null) {
            return Response.status(404).entity(new Verdict(false, feedId, null, List.of(), List.of(), null, "WRONG_FEED", "no feed '" + feedId + "' is configured")).build();
        }
        if (feed.location().isEmpty()) {
            return Response.ok(new Verdict(true, feedId, null, List.of(), List.of(), null, null, "push-only feed: nothing to fetch")).build();
        }
        try {
            var documents = FeedSourceReader.read(feed.location().get(), config.maxDocumentBytes());
            String versions = "";
            for (var document : documents) {
                versions += verification.verify(feedId, document.bytes()).catalog().version() + " ";
            }
            return Response.ok(new Verdict(true, feedId, versions.strip(), List.of(), List.of(), null, null,
                    documents.size() + " document(s) from " + feed.location().get() + " verify")).build();
        } catch (IOException e) {
            return Response.status(502).entity(new Verdict(false, feedId, null, List.of(), List.of(), null, "UNREACHABLE",
                    feed.location().get() + ": " + e)).build();
        } catch (InvalidFeedException e) {
            return Response.status(422).entity(new Verdict(false, feedId, null, List.of(), List.of(), null, e.reason().name(), e.getMessage())).build();
        }
    }

    @POST
    @Path("/{feedId}")
    @Consumes(MediaType.WILDCARD)
    @RolesAllowed({Roles.MSP_ADMIN, Roles.FEED_PUBLISHER})
    @Operation(summary = "Push a feed document (signed JSON or EOCS XML); returns the verdict. 422 with the reason when rejected.")
    public Response push(@PathParam("feedId") String feedId, byte[] document) {
        var wait = pushRate.acquire(caller.subject());
        if (wait.isPresent()) {
            return Response.fromResponse(Problem.response(429, "too many pushes: retry in " + wait.get().toSeconds() + " s"))
                    .header("Retry-After", Math.max(1, wait.get().toSeconds())).build();
        }
        try {
            var result = ingestion.ingestDocument(feedId, document == null ? new byte[0] : document);
            return Response.ok(new Verdict(true, feedId, result.feedVersion(), result.published(), result.withdrawn(), result.unchanged(), null, null)).build();
        } catch (InvalidFeedException e) {
            int status = e.reason() == InvalidFeedException.Reason.WRONG_FEED && !config.feeds().containsKey(feedId) ? 404 : 422;
            return Response.status(status).entity(new Verdict(false, feedId, null, List.of(), List.of(), null, e.reason().name(), e.getMessage())).build();
        }
    }
}
