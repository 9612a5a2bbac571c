package io.tourniquet.policy.domain;

import io.tourniquet.schemas.BuildRange;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.ServerInventory;

/** Whether a mitigation concerns a server, from what its agent reported. */
public final class Applicability {

    public enum Verdict {
        /** the server runs an affected build without the fix: the mitigation must be in force */
        APPLICABLE,
        /** another product */
        OTHER_PRODUCT,
        /** the fixing update is installed */
        PATCHED,
        /** the build is outside every affected range (e.g. updated to a fixed build) */
        BUILD_NOT_AFFECTED,
        /**
         * the agent could not read the build (or reported one we cannot parse): treated as affected, since an
         * emergency mitigation left off a vulnerable server is the worse mistake
         */
        UNKNOWN_BUILD;

        /** Whether the mitigation must be in force on the server. */
        public boolean mustBeInForce() {
            return this == APPLICABLE || this == UNKNOWN_BUILD;
        }
    }

    private Applicability() {
    }

    public static Verdict of(MitigationDefinition mitigation, ServerInventory server) {
        if (!mitigation.getProduct().equalsIgnoreCase(server.getProduct())) {
            return Verdict.OTHER_PRODUCT;
        }
        // updates the agent could not read (null) are not taken as installed
        if (server.getInstalledUpdates() != null && mitigation.getFixedBy().stream().anyMatch(server.getInstalledUpdates()::contains)) {
            return Verdict.PATCHED;
        }
        if (mitigation.getApplicableBuilds().isEmpty()) {
            return Verdict.APPLICABLE;
        }
        if (server.getBuild() == null) {
            return Verdict.UNKNOWN_BUILD;
        }
        BuildNumber build;
        try {
            build = BuildNumber.parse(server.getBuild());
        } catch (IllegalArgumentException e) {
            return Verdict.UNKNOWN_BUILD;
        }
        for (BuildRange range : mitigation.getApplicableBuilds()) {
            if (build.compareTo(BuildNumber.parse(range.getFromInclusive())) >= 0
                    && build.compareTo(BuildNumber.parse(range.getToExclusive())) < 0) {
                return Verdict.APPLICABLE;
            }
        }
        return Verdict.BUILD_NOT_AFFECTED;
    }
}
