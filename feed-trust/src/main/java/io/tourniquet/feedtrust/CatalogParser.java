package io.tourniquet.feedtrust;

import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.BlockResponse;
import io.tourniquet.schemas.BuildRange;
import io.tourniquet.schemas.DisableAppPool;
import io.tourniquet.schemas.DisableService;
import io.tourniquet.schemas.DisableVirtualDirectory;
import io.tourniquet.schemas.Heartbeat;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.actions.DefinitionRules;
import io.tourniquet.schemas.RequestCondition;
import io.tourniquet.schemas.RewriteResponseHeader;
import io.tourniquet.schemas.SetAuthentication;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads a catalog document strictly and turns it into definitions of the closed action vocabulary. */
public final class CatalogParser {

    private static final Pattern MITIGATION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern BUILD = Pattern.compile("\\d+(\\.\\d+){1,3}");

    private final ObjectMapper mapper = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private final int maxBytes;

    public CatalogParser(int maxBytes) {
        this.maxBytes = maxBytes;
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build());
    }

    /** A catalog read and checked; {@code issuedAt}/{@code expiresAt} are null where the document has none. */
    public record ParsedCatalog(String feedId, String version, List<MitigationDefinition> definitions, Instant issuedAt, Instant expiresAt) {

        public ParsedCatalog(String feedId, String version, List<MitigationDefinition> definitions) {
            this(feedId, version, definitions, null, null);
        }
    }

    public ParsedCatalog parse(byte[] json) {
        if (json.length > maxBytes) {
            throw new InvalidFeedException(InvalidFeedException.Reason.TOO_LARGE, "document too large: " + json.length + " bytes, limit " + maxBytes);
        }
        CatalogDocument document;
        try {
            document = mapper.readValue(json, CatalogDocument.class);
        } catch (JsonProcessingException e) {
            throw new InvalidFeedException("malformed catalog: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidFeedException("unreadable catalog: " + e.getMessage(), e);
        }
        require(document.feedId(), "feedId");
        require(document.version(), "version");
        if (document.mitigations() == null) {
            throw new InvalidFeedException("missing field: mitigations");
        }
        Set<String> ids = new HashSet<>();
        List<MitigationDefinition> definitions = document.mitigations().stream().map(this::toDefinition).toList();
        for (MitigationDefinition d : definitions) {
            if (!ids.add(d.getId())) {
                throw new InvalidFeedException("mitigation " + d.getId() + " appears twice");
            }
        }
        return new ParsedCatalog(document.feedId(), document.version(), definitions, document.issuedAt(), document.expiresAt());
    }

    private MitigationDefinition toDefinition(CatalogDocument.Definition d) {
        if (d == null) {
            throw new InvalidFeedException("null mitigation entry");
        }
        String id = require(d.id(), "id");
        if (!MITIGATION_ID.matcher(id).matches()) {
            throw new InvalidFeedException("invalid mitigation id '" + id + "'");
        }
        String where = "mitigation " + id + ": ";
        if (d.revision() < 1) {
            throw new InvalidFeedException(where + "revision must be 1 or more");
        }
        if (d.actions() == null || d.actions().isEmpty()) {
            throw new InvalidFeedException(where + "no actions");
        }
        List<BuildRange> builds = orEmpty(d.applicableBuilds()).stream().map(r -> {
            if (r == null || r.from() == null || r.to() == null || !BUILD.matcher(r.from()).matches() || !BUILD.matcher(r.to()).matches()) {
                throw new InvalidFeedException(where + "invalid build range " + r);
            }
            return new BuildRange(r.from(), r.to());
        }).toList();
        MitigationDefinition definition = MitigationDefinition.newBuilder()
                .setId(id)
                .setRevision(d.revision())
                .setTitle(require(d.title(), where + "title"))
                .setDescription(Objects.requireNonNullElse(d.description(), ""))
                .setCves(orEmpty(d.cves()))
                .setProduct(require(d.product(), where + "product"))
                .setApplicableBuilds(builds)
                .setFixedBy(orEmpty(d.fixedBy()))
                .setActions(d.actions().stream().map(a -> toAction(a, where)).toList())
                .build();
        // the same rules the agent applies again before carrying a definition out
        List<String> problems = DefinitionRules.problems(definition);
        if (!problems.isEmpty()) {
            throw new InvalidFeedException(where + String.join("; ", problems));
        }
        return definition;
    }

    private Object toAction(CatalogDocument.Action action, String where) {
        if (action == null) {
            throw new InvalidFeedException(where + "null action");
        }
        if (action instanceof CatalogDocument.BlockRequests b) {
            if (b.conditions() == null || b.conditions().isEmpty()) {
                throw new InvalidFeedException(where + "blockRequests needs at least one condition");
            }
            return BlockRequests.newBuilder()
                    .setRuleName(require(b.ruleName(), where + "ruleName"))
                    .setSite(Objects.requireNonNullElse(b.site(), "Default Web Site"))
                    .setMatchUrl(regex(Objects.requireNonNullElse(b.matchUrl(), ".*"), where))
                    .setConditions(b.conditions().stream().map(c -> RequestCondition.newBuilder()
                            .setInput(require(c.input(), where + "condition input"))
                            .setPattern(regex(require(c.pattern(), where + "condition pattern"), where))
                            .setIgnoreCase(!Boolean.FALSE.equals(c.ignoreCase()))
                            .setNegate(Boolean.TRUE.equals(c.negate()))
                            .build()).toList())
                    .setMatchAll(!Boolean.FALSE.equals(b.matchAll()))
                    .setResponse(response(b.response(), where))
                    .build();
        }
        if (action instanceof CatalogDocument.RewriteResponseHeader r) {
            return RewriteResponseHeader.newBuilder()
                    .setRuleName(require(r.ruleName(), where + "ruleName"))
                    .setSite(Objects.requireNonNullElse(r.site(), "Default Web Site"))
                    .setPathPattern(regex(require(r.pathPattern(), where + "pathPattern"), where))
                    .setContentTypePattern(regex(Objects.requireNonNullElse(r.contentTypePattern(), "^text/html"), where))
                    .setHeaderName(require(r.headerName(), where + "headerName"))
                    .setAppendValue(require(r.appendValue(), where + "appendValue"))
                    .build();
        }
        if (action instanceof CatalogDocument.DisableService s) {
            return new DisableService(require(s.serviceName(), where + "serviceName"));
        }
        if (action instanceof CatalogDocument.DisableAppPool p) {
            return new DisableAppPool(require(p.appPoolName(), where + "appPoolName"));
        }
        if (action instanceof CatalogDocument.DisableVirtualDirectory v) {
            return new DisableVirtualDirectory(require(v.site(), where + "site"), require(v.path(), where + "path"));
        }
        if (action instanceof CatalogDocument.SetAuthentication s) {
            if (s.enabled() == null) {
                throw new InvalidFeedException(where + "setAuthentication needs 'enabled'");
            }
            return new SetAuthentication(require(s.site(), where + "site"), require(s.path(), where + "path"),
                    require(s.method(), where + "method"), s.enabled());
        }
        CatalogDocument.Heartbeat h = (CatalogDocument.Heartbeat) action;
        return new Heartbeat(Objects.requireNonNullElse(h.note(), ""));
    }

    private static BlockResponse response(String value, String where) {
        if (value == null || value.equals("abortRequest")) {
            return BlockResponse.ABORT_REQUEST;
        }
        if (value.equals("forbidden")) {
            return BlockResponse.FORBIDDEN;
        }
        throw new InvalidFeedException(where + "unknown response '" + value + "' (abortRequest or forbidden)");
    }

    private static String regex(String pattern, String where) {
        try {
            Pattern.compile(pattern);
            return pattern;
        } catch (PatternSyntaxException e) {
            throw new InvalidFeedException(where + "invalid pattern '" + pattern + "': " + e.getDescription());
        }
    }

    private static String require(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new InvalidFeedException("missing field: " + field);
        }
        return value;
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
