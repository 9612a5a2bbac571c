package io.tourniquet.audit.store;

import io.tourniquet.audit.domain.CatalogEntry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;

/** mitigation: the catalog exposure is measured from, as the feed's published and withdrawn events describe it. */
final class CatalogProjection {

    private CatalogProjection() {
    }

    static void upsert(Connection c, CatalogEntry e) throws SQLException {
        if (e.publishedAt() == null) {
            try (PreparedStatement withdraw = c.prepareStatement("UPDATE mitigation SET withdrawn_at = ? WHERE mitigation_id = ? AND revision <= ?")) {
                withdraw.setTimestamp(1, Timestamp.from(e.withdrawnAt()));
                withdraw.setString(2, e.mitigationId());
                withdraw.setInt(3, e.revision());
                withdraw.executeUpdate();
            }
            return;
        }
        try (PreparedStatement update = c.prepareStatement("""
                UPDATE mitigation SET revision = ?, title = ?, cves = ?, published_at = ?, withdrawn_at = NULL, kev_cves = ?, kev_due_date = ?
                WHERE mitigation_id = ? AND revision <= ?""")) {
            update.setInt(1, e.revision());
            update.setString(2, Sql.truncate(e.title()));
            update.setString(3, String.join(",", e.cves()));
            update.setTimestamp(4, Timestamp.from(e.publishedAt()));
            update.setString(5, String.join(",", e.kevCves()));
            update.setString(6, e.kevDueDate());
            update.setString(7, e.mitigationId());
            update.setInt(8, e.revision());
            if (update.executeUpdate() > 0) {
                return;
            }
        }
        try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM mitigation WHERE mitigation_id = ?")) {
            exists.setString(1, e.mitigationId());
            try (ResultSet rs = exists.executeQuery()) {
                if (rs.next()) {
                    return; // a later revision is already known
                }
            }
        }
        try (PreparedStatement insert = c.prepareStatement("""
                INSERT INTO mitigation (mitigation_id, revision, title, cves, published_at, first_published_at, kev_cves, kev_due_date)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")) {
            insert.setString(1, e.mitigationId());
            insert.setInt(2, e.revision());
            insert.setString(3, Sql.truncate(e.title()));
            insert.setString(4, String.join(",", e.cves()));
            insert.setTimestamp(5, Timestamp.from(e.publishedAt()));
            insert.setTimestamp(6, Timestamp.from(e.publishedAt()));
            insert.setString(7, String.join(",", e.kevCves()));
            insert.setString(8, e.kevDueDate());
            insert.executeUpdate();
        }
    }

}
