package io.tourniquet.audit.domain;

import java.time.Instant;
import java.util.List;

/**
 * A mitigation as published (or withdrawn): what exposure and time-to-mitigate are measured from.
 *
 * @param kevDueDate the earliest CISA KEV due date among its exploited CVEs (ISO date), or null
 */
public record CatalogEntry(String mitigationId, int revision, String title, List<String> cves, Instant publishedAt,
        Instant withdrawnAt, List<String> kevCves, String kevDueDate) {
}
