package io.tourniquet.agent.backend;

/** A backend's decision about one action type: carried out, or refused with the reason an operator reads. */
public record ActionSupport(boolean supported, String reason) {

    public static final ActionSupport SUPPORTED = new ActionSupport(true, "");

    public ActionSupport {
        if (!supported && (reason == null || reason.isBlank())) {
            throw new IllegalArgumentException("a refused action type needs a reason");
        }
    }

    public static ActionSupport refused(String reason) {
        return new ActionSupport(false, reason);
    }
}
