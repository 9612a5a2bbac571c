package io.tourniquet.testsupport;

import io.tourniquet.devstack.LocalIssuer;
import io.tourniquet.schemas.security.Roles;
import java.time.Instant;
import java.util.List;

/** Bearer tokens from the module's {@link LocalIssuerResource}: one per role and tenants, and the kinds that must be refused. */
public final class TestTokens {

    private TestTokens() {
    }

    /** Claims of a valid token for the role on the tenants ({@value Roles#ALL_TENANTS}: every tenant); the subject names both. */
    public static LocalIssuer.TokenClaims claims(String role, String... tenants) {
        LocalIssuer issuer = LocalIssuerResource.issuer();
        String subject = role + "-of-" + String.join("-", tenants).replace("*", "all");
        return new LocalIssuer.TokenClaims(issuer.url(), Roles.AUDIENCE, subject, subject, "test-client", List.of(role), List.of(tenants),
                Instant.now().plusSeconds(3600));
    }

    /** A person's token as the local issuer gives it to the command line: subject, name, one role on the tenants. */
    public static LocalIssuer.TokenClaims person(String subject, String name, String role, String... tenants) {
        return new LocalIssuer.TokenClaims(LocalIssuerResource.issuer().url(), Roles.AUDIENCE, subject, name, LocalIssuer.CLI_CLIENT,
                List.of(role), List.of(tenants), Instant.now().plusSeconds(3600));
    }

    public static String token(String role, String... tenants) {
        return mint(claims(role, tenants));
    }

    public static String mspAdmin() {
        return token(Roles.MSP_ADMIN, Roles.ALL_TENANTS);
    }

    public static String mint(LocalIssuer.TokenClaims claims) {
        return LocalIssuerResource.issuer().mint(claims);
    }

    public static String expired(LocalIssuer.TokenClaims claims) {
        return mint(new LocalIssuer.TokenClaims(claims.issuer(), claims.audience(), claims.subject(), claims.name(), claims.clientId(),
                claims.roles(), claims.tenants(), Instant.now().minusSeconds(120)));
    }

    public static String wrongIssuer(LocalIssuer.TokenClaims claims) {
        return mint(new LocalIssuer.TokenClaims("https://idp.example.org/realms/other", claims.audience(), claims.subject(), claims.name(),
                claims.clientId(), claims.roles(), claims.tenants(), claims.expiresAt()));
    }

    public static String wrongAudience(LocalIssuer.TokenClaims claims) {
        return mint(new LocalIssuer.TokenClaims(claims.issuer(), "another-app", claims.subject(), claims.name(), claims.clientId(),
                claims.roles(), claims.tenants(), claims.expiresAt()));
    }

    /** Signed with a key the issuer does not publish, under the issuer's own key id. */
    public static String badlySigned(LocalIssuer.TokenClaims claims) {
        return LocalIssuerResource.issuer().mintWithStrangerKey(claims);
    }
}
