package io.tourniquet.feedtrust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.schemas.CveExploitation;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * CISA's Known Exploited Vulnerabilities catalog in its public JSON format
 * ({@code {"catalogVersion": …, "vulnerabilities": [{"cveID", "dateAdded", "dueDate", "knownRansomwareCampaignUse", …}]}}).
 * It only annotates mitigations (it never carries actions), so fields CISA adds later are ignored rather than refused.
 */
public final class KevCatalog {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CVE = Pattern.compile("CVE-\\d{4}-\\d{4,}");
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    /** The catalog's version and its entries by CVE id. */
    public record Parsed(String catalogVersion, Map<String, CveExploitation> byCve) {
    }

    private KevCatalog() {
    }

    public static Parsed parse(byte[] json, int maxBytes) {
        if (json.length > maxBytes) {
            throw new InvalidFeedException(InvalidFeedException.Reason.TOO_LARGE, "KEV catalog too large: " + json.length + " bytes, limit " + maxBytes);
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new InvalidFeedException(InvalidFeedException.Reason.MALFORMED, "malformed KEV catalog: " + e.getMessage(), e);
        }
        String version = text(root, "catalogVersion", "catalog");
        JsonNode vulnerabilities = root.path("vulnerabilities");
        if (!vulnerabilities.isArray()) {
            throw new InvalidFeedException(InvalidFeedException.Reason.MALFORMED, "KEV catalog has no vulnerabilities array");
        }
        Map<String, CveExploitation> byCve = new TreeMap<>();
        for (JsonNode v : vulnerabilities) {
            String cve = text(v, "cveID", "entry");
            if (!CVE.matcher(cve).matches()) {
                throw new InvalidFeedException(InvalidFeedException.Reason.INVALID_CONTENT, "KEV entry with invalid cveID '" + cve + "'");
            }
            byCve.put(cve, CveExploitation.newBuilder()
                    .setCveId(cve)
                    .setCatalogVersion(version)
                    .setDateAdded(date(v, "dateAdded", cve))
                    .setDueDate(date(v, "dueDate", cve))
                    .setKnownRansomwareCampaignUse(v.path("knownRansomwareCampaignUse").asText("Unknown"))
                    .build());
        }
        return new Parsed(version, byCve);
    }

    private static String date(JsonNode node, String field, String cve) {
        String value = text(node, field, cve);
        if (!DATE.matcher(value).matches()) {
            throw new InvalidFeedException(InvalidFeedException.Reason.INVALID_CONTENT, cve + ": " + field + " '" + value + "' is not an ISO date");
        }
        return value;
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode value = node.path(field);
        if (!value.isTextual() || value.asText().isBlank()) {
            throw new InvalidFeedException(InvalidFeedException.Reason.INVALID_CONTENT, where + ": missing " + field);
        }
        return value.asText();
    }
}
