package io.tourniquet.audit.store;

import io.tourniquet.audit.domain.CatalogEntry;
import io.tourniquet.audit.domain.EventMapper;
import io.tourniquet.audit.domain.StoredEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Stores events in batches, one transaction per batch, each event once: the chained log ({@link ChainedLog}) and,
 * in the same transaction, its projections (mitigation states, servers, the catalog). The only writer: sequences are
 * assigned and committed in order (the CloudEvents outbox relies on it).
 */
@ApplicationScoped
public class AuditStore {

    @Inject
    Database database;

    /** SQLSTATE of a unique constraint violation, in PostgreSQL and H2 alike. */
    private static final String UNIQUE_VIOLATION = "23505";

    /** @return how many of the events were new (the others had been stored before) */
    public int store(List<StoredEvent> events) throws SQLException {
        return store(events, List.of());
    }

    /**
     * Stores the events and, in the same transaction, what the mitigation catalog learns from them. Events are
     * first taken to be new (the usual case: looking each up costs the database more than storing it); if one was
     * stored before (a batch read again after a restart or rebalance), the unique event id refuses the batch, and it
     * is stored again looking every event up.
     */
    public synchronized int store(List<StoredEvent> events, List<CatalogEntry> catalog) throws SQLException {
        if (events.isEmpty() && catalog.isEmpty()) {
            return 0;
        }
        try {
            return store(events, catalog, false);
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState()) && !(e.getNextException() != null && UNIQUE_VIOLATION.equals(e.getNextException().getSQLState()))) {
                throw e;
            }
            return store(events, catalog, true);
        }
    }

    private int store(List<StoredEvent> events, List<CatalogEntry> catalog, boolean lookUpEvents) throws SQLException {
        try (Connection c = database.connection()) {
            try {
                for (CatalogEntry entry : catalog) {
                    CatalogProjection.upsert(c, entry);
                }
                int stored = insert(c, events, lookUpEvents);
                c.commit();
                return stored;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private int insert(Connection c, List<StoredEvent> all, boolean lookUpEvents) throws SQLException {
        // Heartbeats say a server is alive; they update its last-seen time and are not kept as evidence records.
        List<StoredEvent> heartbeats = new ArrayList<>();
        List<StoredEvent> events = new ArrayList<>();
        for (StoredEvent e : all) {
            (e.type().equals(EventMapper.HEARTBEAT_TYPE) ? heartbeats : events).add(e);
        }
        ServerProjection.touch(c, heartbeats);
        events.addAll(EnforcementProjection.update(c, heartbeats));
        Set<String> known = new HashSet<>();
        if (lookUpEvents) {
            Sql.selectIn(c, "SELECT event_id FROM audit_event WHERE event_id IN ", events.stream().map(StoredEvent::eventId).toList(),
                    rs -> known.add(rs.getString(1)));
        }
        List<StoredEvent> fresh = new ArrayList<>();
        for (StoredEvent e : events) {
            if (known.add(e.eventId())) {
                fresh.add(e);
            }
        }
        if (fresh.isEmpty()) {
            return 0;
        }
        ChainedLog.append(c, fresh);
        StateProjection.update(c, fresh, database.isPostgres());
        ServerProjection.update(c, fresh);
        return fresh.size();
    }
}
