package io.tourniquet.access;

import io.quarkus.security.identity.SecurityIdentity;
import io.tourniquet.schemas.security.Roles;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ForbiddenException;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The authenticated caller of this request, as its token says: who (the actor recorded on every change), which roles
 * and which tenants. A request cannot name its actor: it is the token's subject, with the name and the client the
 * token was issued to.
 */
@RequestScoped
public class Caller {

    @Inject
    SecurityIdentity identity;

    /** Who acted, for the audit trail: "name (subject) via client", shortened where parts coincide. */
    public String actor() {
        return actorOf(claim("sub"), claim("preferred_username"), clientId());
    }

    static String actorOf(String subject, String name, String clientId) {
        String who = name == null || name.isBlank() || name.equals(subject) ? subject : name + " (" + subject + ")";
        return clientId == null || clientId.isBlank() || clientId.equals(subject) || clientId.equals(name) ? who : who + " via " + clientId;
    }

    public String subject() {
        return claim("sub");
    }

    public String clientId() {
        String azp = claim("azp");
        return azp != null ? azp : claim("client_id");
    }

    /** The tenants the caller's roles apply to ({@value Roles#ALL_TENANTS}: all). */
    public Set<String> tenants() {
        if (!(identity.getPrincipal() instanceof JsonWebToken token)) {
            return Set.of();
        }
        Object claim = token.getClaim(Roles.TENANTS_CLAIM);
        Set<String> tenants = new TreeSet<>();
        if (claim instanceof Iterable<?> values) {
            values.forEach(v -> tenants.add(unquoted(v)));
        } else if (claim != null) {
            tenants.add(unquoted(claim));
        }
        return tenants;
    }

    public boolean allTenants() {
        return tenants().contains(Roles.ALL_TENANTS);
    }

    public boolean mayAccess(String tenant) {
        return allTenants() || tenants().contains(tenant);
    }

    /** 403 unless the caller's token names the tenant (or every tenant). */
    public void requireTenant(String tenant) {
        if (!mayAccess(tenant)) {
            throw new ForbiddenException(notGranted(tenant));
        }
    }

    static String notGranted(String tenant) {
        return "your token does not grant access to tenant '" + tenant + "'";
    }

    /**
     * The tenant an optional filter resolves to: the one named (if the caller may see it), every tenant (null) for a
     * caller of all tenants, the caller's only tenant, or 403 for a caller of several who named none.
     */
    public String tenantFilter(String tenant) {
        if (tenant != null && !tenant.isBlank()) {
            requireTenant(tenant);
            return tenant;
        }
        if (allTenants()) {
            return null;
        }
        Set<String> tenants = tenants();
        if (tenants.size() == 1) {
            return tenants.iterator().next();
        }
        throw new ForbiddenException("name one of your tenants with ?tenant=: " + String.join(", ", tenants));
    }

    private String claim(String name) {
        if (identity.getPrincipal() instanceof JsonWebToken token) {
            Object value = token.getClaim(name);
            return value == null ? null : unquoted(value);
        }
        return identity.isAnonymous() ? null : identity.getPrincipal().getName();
    }

    private static String unquoted(Object value) {
        String text = value.toString();
        return text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"") ? text.substring(1, text.length() - 1) : text;
    }
}
