package io.tourniquet.agent.backend;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a backend read from its server for the inventory. What it could not read is null, with why in
 * {@code unreadable}: never a configured or guessed value, since the policy removes mitigations from patched servers.
 *
 * @param build            the product build as read, or null
 * @param installedUpdates the security updates as read, or null
 * @param components       software the mitigations depend on, with the version read (e.g. iis-url-rewrite -> 7.2.1993)
 * @param webApplications  sites and applications as read (e.g. Default Web Site/owa)
 * @param unreadable       fact name (build, installedUpdates, iis-url-rewrite...) -> why it could not be read
 */
public record ServerFacts(String build, List<String> installedUpdates, Map<String, String> components, List<String> webApplications,
        Map<String, String> unreadable) {

    private static final Pattern BUILD = Pattern.compile("\\d{1,4}(\\.\\d{1,5}){3}");

    /** Whether a value read from a server is a product build as Microsoft writes them (four dotted numbers, e.g. 15.2.1544.14). */
    public static boolean isBuild(String value) {
        return BUILD.matcher(value).matches();
    }

    public static ServerFacts read(String build, List<String> installedUpdates) {
        return new ServerFacts(build, List.copyOf(installedUpdates), Map.of(), List.of(), Map.of());
    }

    /** Neither the build nor the updates could be read, for this reason. */
    public static ServerFacts notRead(String why) {
        return new ServerFacts(null, null, Map.of(), List.of(), Map.of("build", why, "installedUpdates", why));
    }
}
