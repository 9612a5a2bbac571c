package io.tourniquet.audit.cloudevents;

import io.cloudevents.CloudEvent;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Told of each event the outbox published, inside the transaction that moves the outbox past it, so that what it
 * records (webhook deliveries) is durable exactly when the publication is. The outbox knows no listener by name.
 */
public interface PublicationListener {

    void published(Connection transaction, OcsfRemediation.Row row, CloudEvent event) throws SQLException;
}
