package io.tourniquet.schemas.security;

import java.util.List;

/**
 * The roles a caller of Tourniquet's APIs may hold, as they appear in the identity provider's tokens (claim
 * {@code roles}). Constants, not an enum, because {@code @RolesAllowed} takes compile-time strings. A role applies to
 * the tenants the token names (claim {@code tenants}); {@link #ALL_TENANTS} there means every tenant.
 */
public final class Roles {

    /** Every tenant: policies, onboarding and offboarding, agent enrolment, the global kill switch. */
    public static final String MSP_ADMIN = "msp-admin";
    /** Policies, approvals, blocks, rollouts and server actions of its tenants. */
    public static final String OPERATOR = "operator";
    /** Read-only: reports, history, chain verification and evidence export of its tenants. */
    public static final String AUDITOR = "auditor";
    /** Security operations: the live stream and stored events of its tenants. */
    public static final String SOC = "soc";
    /** Automation that pushes signed feed documents to the feed-ingestor. */
    public static final String FEED_PUBLISHER = "feed-publisher";

    public static final List<String> ALL = List.of(MSP_ADMIN, OPERATOR, AUDITOR, SOC, FEED_PUBLISHER);

    /** The audience every token for Tourniquet's APIs must name (claim {@code aud}). */
    public static final String AUDIENCE = "tourniquet";
    /** The claim naming the tenants a token's roles apply to. */
    public static final String TENANTS_CLAIM = "tenants";
    /** The claim naming the token's roles. */
    public static final String ROLES_CLAIM = "roles";
    public static final String ALL_TENANTS = "*";

    private Roles() {
    }
}
