package io.tourniquet.feedtrust;

/** A feed document that must not be accepted; the reason is recorded in the audit trail and counted. */
public class InvalidFeedException extends RuntimeException {

    /** Why a feed is rejected: one code per kind of failure, so that metrics and alerts can tell them apart. */
    public enum Reason {
        TOO_LARGE, MALFORMED, FORBIDDEN_DTD, INVALID_CONTENT, MISSING_SIGNATURE, BAD_SIGNATURE, SIGNATURE_SCOPE,
        UNTRUSTED_CHAIN, WRONG_KEY_USAGE, BAD_TIMESTAMP, TOO_FEW_SIGNATURES, ROLLBACK, VERSION_REUSED, EXPIRED,
        NOT_YET_VALID, WRONG_FEED, MITIGATION_OF_ANOTHER_FEED
    }

    private final Reason reason;

    public InvalidFeedException(String message) {
        this(Reason.INVALID_CONTENT, message);
    }

    public InvalidFeedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public InvalidFeedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public InvalidFeedException(String message, Throwable cause) {
        this(Reason.MALFORMED, message, cause);
    }

    public Reason reason() {
        return reason;
    }
}
