package io.tourniquet.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/** A value that is not a Tourniquet message this release can read; the message says why. */
public class UnreadableMessageException extends SerializationException {

    public UnreadableMessageException(String message) {
        super(message);
    }

    public UnreadableMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
