package io.tourniquet.console.domain;

import io.quarkus.security.identity.SecurityIdentity;
import io.tourniquet.access.Caller;
import io.tourniquet.schemas.security.Roles;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import java.util.Set;

/**
 * What the signed-in person may see and do, from their token's roles and tenants: the same table as the APIs'
 * ("Who may do what" in README.md). It decides which buttons a page shows. Requests are refused by the shared
 * mechanisms, not here: api-access's TenantGuard (the tenant scope of every request) and each resource's roles, and
 * the APIs refuse them anyway.
 */
@RequestScoped
public class Viewer {

    @Inject
    SecurityIdentity identity;

    @Inject
    Caller caller;

    /** Who the audit trail will name for their actions. */
    public String actor() {
        return caller.actor();
    }

    public String name() {
        return identity.getPrincipal().getName();
    }

    public Set<String> roles() {
        return identity.getRoles();
    }

    public boolean seesEveryTenant() {
        return caller.allTenants();
    }

    public Set<String> tenants() {
        return caller.tenants();
    }

    public boolean maySee(String tenant) {
        return caller.mayAccess(tenant);
    }

    /** Approvals, blocks, rollouts, server actions: an administrator, or an operator of the tenant. */
    public boolean mayAct(String tenant) {
        return maySee(tenant) && (identity.hasRole(Roles.MSP_ADMIN) || identity.hasRole(Roles.OPERATOR));
    }

    /** The global kill switch stops a mitigation for every tenant: administrators only. */
    public boolean mayUseKillSwitch() {
        return identity.hasRole(Roles.MSP_ADMIN);
    }

    /** The tenant's policy, rollouts and per-server decisions (the policy service's read API). */
    public boolean mayReadPolicy() {
        return identity.hasRole(Roles.MSP_ADMIN) || identity.hasRole(Roles.OPERATOR) || identity.hasRole(Roles.AUDITOR);
    }

    /** The evidence export and reports (not the SOC role's). */
    public boolean mayExportEvidence() {
        return mayReadPolicy();
    }
}
