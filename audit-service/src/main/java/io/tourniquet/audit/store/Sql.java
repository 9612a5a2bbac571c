package io.tourniquet.audit.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Statement helpers the log and its projections share. */
final class Sql {

    /** Values per IN (...) query: small enough for any driver, large enough for few round trips. */
    private static final int IN_CHUNK = 500;

    private Sql() {
    }

    /** What reads a row of a query's result. */
    interface RowReader {
        void read(ResultSet row) throws SQLException;
    }

    /** Runs the query (ending in "IN ") for these distinct values, in chunks so that statements stay small. */
    static void selectIn(Connection c, String queryUpToIn, List<String> values, RowReader reader) throws SQLException {
        for (List<String> chunk : chunks(values.stream().distinct().toList())) {
            try (PreparedStatement ps = c.prepareStatement(queryUpToIn + placeholders(chunk.size()))) {
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setString(i + 1, chunk.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        reader.read(rs);
                    }
                }
            }
        }
    }

    private static List<List<String>> chunks(List<String> values) {
        List<List<String>> chunks = new ArrayList<>();
        for (int from = 0; from < values.size(); from += IN_CHUNK) {
            chunks.add(values.subList(from, Math.min(values.size(), from + IN_CHUNK)));
        }
        return chunks;
    }

    private static String placeholders(int count) {
        return "(" + String.join(",", Collections.nCopies(count, "?")) + ")";
    }

    /** For the projections (state detail, catalog title), which are not hashed; the event row keeps the whole text. */
    static String truncate(String value) {
        return value == null || value.length() <= 4000 ? value : value.substring(0, 3997) + "...";
    }
}
