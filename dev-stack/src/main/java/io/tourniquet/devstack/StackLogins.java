package io.tourniquet.devstack;

import io.tourniquet.schemas.security.Roles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * The accounts of the local stack's issuer, their secrets kept owner-only under {@code <state>/credentials} and made
 * on first use: people sign in with ./tourniquet login (the administrator of every tenant, an operator and an auditor
 * of the first tenant), automation uses client credentials (the stack itself, a compliance pipeline, a feed publisher).
 */
public final class StackLogins {

    public static final String ADMIN = "admin";
    public static final String OPERATOR = "operator";
    public static final String AUDITOR = "auditor";
    /** The stack's own automation: enrols the simulated servers, reads the audit summary. */
    public static final String STACK_CLIENT = "tourniquet-stack";
    /** A compliance pipeline: reads reports and evidence of every tenant. */
    public static final String COMPLIANCE_CLIENT = "compliance-pipeline";
    public static final String FEED_PUBLISHER_CLIENT = "feed-publisher";
    /** The operator console: people sign in to it with the authorization code flow. */
    public static final String CONSOLE_CLIENT = "tourniquet-console";

    private StackLogins() {
    }

    /** Starts the stack's issuer on 127.0.0.1:port with its accounts (over HTTPS with tls, unless null); its key is kept in the state. */
    public static LocalIssuer startIssuer(Path stateDir, int port, List<String> tenants, SSLContext tls) {
        return startIssuer(stateDir, port, tenants, tls, null);
    }

    /** The same, with the operator console at consoleUrl registered as a web client (null: no console). */
    public static LocalIssuer startIssuer(Path stateDir, int port, List<String> tenants, SSLContext tls, String consoleUrl) {
        String first = tenants.get(0);
        List<String> all = List.of(Roles.ALL_TENANTS);
        List<LocalIssuer.Account> people = List.of(
                new LocalIssuer.Account(ADMIN, secret(stateDir, ADMIN), List.of(Roles.MSP_ADMIN), all),
                new LocalIssuer.Account(OPERATOR, secret(stateDir, OPERATOR), List.of(Roles.OPERATOR), List.of(first)),
                new LocalIssuer.Account(AUDITOR, secret(stateDir, AUDITOR), List.of(Roles.AUDITOR), List.of(first)));
        List<LocalIssuer.Account> clients = List.of(
                new LocalIssuer.Account(STACK_CLIENT, secret(stateDir, STACK_CLIENT), List.of(Roles.MSP_ADMIN), all),
                new LocalIssuer.Account(COMPLIANCE_CLIENT, secret(stateDir, COMPLIANCE_CLIENT), List.of(Roles.AUDITOR), all),
                new LocalIssuer.Account(FEED_PUBLISHER_CLIENT, secret(stateDir, FEED_PUBLISHER_CLIENT), List.of(Roles.FEED_PUBLISHER), all));
        List<LocalIssuer.WebClient> webClients = consoleUrl == null ? List.of()
                : List.of(new LocalIssuer.WebClient(CONSOLE_CLIENT, secret(stateDir, CONSOLE_CLIENT), consoleUrl + "/callback"));
        return LocalIssuer.start(stateDir.resolve("keys").resolve("issuer-signing.key"), port, people, clients, webClients, tls);
    }

    /** Client credentials of one of the stack's automation clients. */
    public static ClientCredentials client(Path stateDir, LocalIssuer issuer, String clientId) {
        return new ClientCredentials(issuer.tokenEndpoint(), clientId, secret(stateDir, clientId));
    }

    /** Where the account's password or client secret is kept. */
    public static Path secretFile(Path stateDir, String account) {
        return stateDir.resolve("credentials").resolve(account + ".secret");
    }

    public static String secret(Path stateDir, String account) {
        try {
            return OwnerOnlyFiles.secret(secretFile(stateDir, account));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the secret of " + account, e);
        }
    }
}
