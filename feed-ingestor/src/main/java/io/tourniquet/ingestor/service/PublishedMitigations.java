package io.tourniquet.ingestor.service;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Comparator;
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

    /** What was last published for one mitigation id; {@code event} is null once withdrawn. */
    public record Entry(String mitigationId, int revision, String digest, String feedId, boolean withdrawn,
            @JsonIgnore MitigationPublished event) {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    public void record(Object event) {
        if (event instanceof MitigationPublished p) {
            entries.put(p.getDefinition().getId(), new Entry(p.getDefinition().getId(), p.getDefinition().getRevision(),
                    p.getDefinitionDigest(), p.getEvidence().getFeedId(), false, p));
        } else if (event instanceof MitigationWithdrawn w) {
            entries.put(w.getMitigationId(), new Entry(w.getMitigationId(), w.getRevision(), "", w.getEvidence().getFeedId(), true, null));
        }
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
