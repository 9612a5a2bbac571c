package io.tourniquet.agent.backend;

/** An apply or remove that did not take effect; {@code rollback} says what state the server was left in. */
public class BackendException extends Exception {

    private final String rollback;

    public BackendException(String message, String rollback) {
        super(message);
        this.rollback = rollback;
    }

    public String rollback() {
        return rollback;
    }
}
