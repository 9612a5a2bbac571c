package io.tourniquet.ingestor.service;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Comparator;
import io.tourniquet.schemas.FeedKind;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.MitigationWithdrawn;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The latest event per mitigation on the mitigations topic, as this ingestor knows it. */
@Singleton
public class PublishedMitigations {

    /**
     * What was last published for one mitigation id; {@code event} is null once withdrawn. {@code owner} is who may
     * publish revisions of it ({@link #owner}).
     */
    public record Entry(String mitigationId, int revision, String digest, String feedId, String owner, boolean withdrawn,
            @JsonIgnore MitigationPublished event) {
    }

    /** The owner of the definitions that come from this release's catalog rather than from a feed of their own. */
    static final String RELEASE_CATALOG = "release-catalog";

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    public void record(Object event) {
        if (event instanceof MitigationPublished p) {
            entries.put(p.getDefinition().getId(), new Entry(p.getDefinition().getId(), p.getDefinition().getRevision(),
                    p.getDefinitionDigest(), p.getEvidence().getFeedId(), owner(p.getEvidence().getFeedId(), p.getEvidence().getFeedKind()), false, p));
        } else if (event instanceof MitigationWithdrawn w) {
            entries.put(w.getMitigationId(), new Entry(w.getMitigationId(), w.getRevision(), "", w.getEvidence().getFeedId(),
                    owner(w.getEvidence().getFeedId(), w.getEvidence().getFeedKind()), true, null));
        }
    }

    /**
     * A mitigation id belongs to the feed that first published it: no other trusted feed may publish a revision of it.
     * The bundled catalog and Microsoft's EM feed share one owner, the release's catalog: Microsoft's feed only
     * selects which of the catalog's definitions are in force and never brings a definition of its own.
     */
    public static String owner(String feedId, FeedKind kind) {
        return kind == FeedKind.BUNDLED_CATALOG || kind == FeedKind.MICROSOFT_EOCS ? RELEASE_CATALOG : feedId;
    }

    public Optional<Entry> get(String mitigationId) {
        return Optional.ofNullable(entries.get(mitigationId));
    }

    public List<Entry> all() {
        return entries.values().stream().sorted(Comparator.comparing(Entry::mitigationId)).toList();
    }

    public List<Entry> active() {
        return entries.values().stream().filter(e -> !e.withdrawn()).toList();
    }

    public List<Entry> activeFromFeed(String feedId) {
        return entries.values().stream().filter(e -> !e.withdrawn() && e.feedId().equals(feedId)).toList();
    }
}
