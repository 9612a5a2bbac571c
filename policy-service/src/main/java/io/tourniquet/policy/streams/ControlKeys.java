package io.tourniquet.policy.streams;

/** Keys of admin decisions on tourniquet.tenant-policies (compacted: the latest per key wins). */
public final class ControlKeys {

    private ControlKeys() {
    }

    public static String policy(String tenant) {
        return "policy:" + tenant;
    }

    public static String approval(String tenant, String mitigationId) {
        return "approval:" + tenant + "/" + mitigationId;
    }

    public static String rollout(String tenant, String mitigationId) {
        return "rollout:" + tenant + "/" + mitigationId;
    }

    public static String killSwitch(String mitigationId) {
        return "kill-switch:" + mitigationId;
    }

    public static String server(String tenant, String server, String mitigationId) {
        return "server:" + tenant + "/" + server + "/" + mitigationId;
    }
}
