package io.tourniquet.schemas.actions;

import io.tourniquet.schemas.DisableAppPool;
import io.tourniquet.schemas.DisableService;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.SetAuthentication;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The changes to a Windows server a definition asks for that a tenant must allow by name (its policy's
 * {@code allowedWindowsChanges}): stopping a service ({@code service:<name>}), an application pool
 * ({@code app-pool:<name>}) or changing an authentication setting ({@code auth:<site><path>/<method>}). A feed must
 * not be able to stop an antivirus or switch on anonymous access because it was trusted for something else.
 */
public final class WindowsChanges {

    private WindowsChanges() {
    }

    /** What the definition would change that needs the tenant's permission, each as its allow-list name. */
    public static Set<String> of(MitigationDefinition definition) {
        Set<String> changes = new TreeSet<>();
        for (Object action : definition.getActions()) {
            nameOf(action).ifPresent(changes::add);
        }
        return changes;
    }

    static Optional<String> nameOf(Object action) {
        return switch (ActionType.of(action)) {
            case DISABLE_SERVICE -> Optional.of("service:" + ((DisableService) action).getServiceName());
            case DISABLE_APP_POOL -> Optional.of("app-pool:" + ((DisableAppPool) action).getAppPoolName());
            case SET_AUTHENTICATION -> {
                SetAuthentication a = (SetAuthentication) action;
                yield Optional.of("auth:" + a.getSite() + a.getPath() + "/" + a.getMethod());
            }
            // rules that block requests, rewrite a header or deny a directory take nothing away from the server's own
            // protection: the tenant's policy governs them as mitigations, not by name
            case BLOCK_REQUESTS, REWRITE_RESPONSE_HEADER, DISABLE_VIRTUAL_DIRECTORY, HEARTBEAT -> Optional.empty();
        };
    }
}
