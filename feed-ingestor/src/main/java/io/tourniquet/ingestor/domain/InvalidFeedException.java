package io.tourniquet.ingestor.domain;

/** A feed document that must not be accepted; the message is the reason recorded in the audit trail. */
public class InvalidFeedException extends RuntimeException {

    public InvalidFeedException(String reason) {
        super(reason);
    }

    public InvalidFeedException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
