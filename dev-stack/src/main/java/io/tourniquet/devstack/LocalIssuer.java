package io.tourniquet.devstack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import javax.net.ssl.SSLContext;
import io.tourniquet.schemas.security.Roles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

/**
 * The embedded stack's OpenID Connect provider, so that nothing is open by default when an MSP has not plugged in its
 * own (Keycloak, Entra ID, Okta): discovery, a JWKS, RS256 access tokens for the audience {@value Roles#AUDIENCE} with
 * the claims {@code roles} and {@code tenants}, the client credentials grant for automation and the device
 * authorization grant (RFC 8628) for people, whose sign-in page is {@code /device}. Failed sign-ins are throttled per
 * account. The services validate its tokens exactly as any provider's: through discovery and the published keys.
 */
public final class LocalIssuer implements AutoCloseable {

    /** A person (name and password) or a confidential client (id and secret), with its roles and tenants. */
    public record Account(String name, String secret, List<String> roles, List<String> tenants) {
    }

    /**
     * A confidential web client that signs people in with the authorization code flow (PKCE S256 required): the
     * operator console. Codes go only to its one registered redirect URI, sign-outs return only to its origin.
     */
    public record WebClient(String id, String secret, String redirectUri) {
    }

    /** What a token says; {@link #mint} signs it. Tests vary each field to see it refused. */
    public record TokenClaims(String issuer, String audience, String subject, String name, String clientId, List<String> roles,
            List<String> tenants, Instant expiresAt) {
    }

    /** The public client of the command line: the device authorization grant, no secret. */
    public static final String CLI_CLIENT = "tourniquet-cli";
    static final String DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
    static final Duration TOKEN_LIFETIME = Duration.ofHours(1);
    static final Duration DEVICE_CODE_LIFETIME = Duration.ofMinutes(10);
    static final Duration AUTHORIZATION_CODE_LIFETIME = Duration.ofMinutes(1);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
        Thread thread = new Thread(r, "local-issuer");
        thread.setDaemon(true);
        return thread;
    });
    private final RsaJsonWebKey key;
    private final Map<String, Account> users = new HashMap<>();
    private final Map<String, Account> clients = new HashMap<>();
    private final Map<String, WebClient> webClients = new HashMap<>();
    private final Map<String, DeviceGrant> deviceGrants = new ConcurrentHashMap<>();
    private final Map<String, AuthorizationCode> authorizationCodes = new ConcurrentHashMap<>();
    private final FailedSignIns failedSignIns = new FailedSignIns(5, Duration.ofMinutes(5));

    /** A device authorization in progress: approved by a person on the sign-in page, then redeemed once. */
    private static final class DeviceGrant {
        final String userCode;
        final Instant expiresAt;
        volatile Account approvedBy;

        DeviceGrant(String userCode, Instant expiresAt) {
            this.userCode = userCode;
            this.expiresAt = expiresAt;
        }
    }

    /** A code issued to a web client for a person: redeemed once, by that client, with the PKCE verifier, within a minute. */
    private record AuthorizationCode(String clientId, String redirectUri, String codeChallenge, String nonce, Account user, Instant expiresAt) {
    }

    private LocalIssuer(RsaJsonWebKey key, int port, List<Account> users, List<Account> clients, List<WebClient> webClients,
            SSLContext tls) throws IOException {
        this.key = key;
        users.forEach(u -> this.users.put(u.name(), u));
        clients.forEach(c -> this.clients.put(c.name(), c));
        webClients.forEach(c -> this.webClients.put(c.id(), c));
        if (tls == null) {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        } else {
            HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", port), 50);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        server.createContext("/.well-known/openid-configuration", exchange -> handle(exchange, this::discovery));
        server.createContext("/jwks", exchange -> handle(exchange, this::jwks));
        server.createContext("/token", exchange -> handle(exchange, this::token));
        server.createContext("/device/authorize", exchange -> handle(exchange, this::deviceAuthorization));
        server.createContext("/device", exchange -> handle(exchange, this::signInPage));
        server.createContext("/authorize", exchange -> handle(exchange, this::authorize));
        server.createContext("/logout", exchange -> handle(exchange, this::logout));
        server.setExecutor(executor);
        server.start();
    }

    /** Starts the issuer on 127.0.0.1:port (0: any free port), signing with the key kept in keyFile (made on first use). */
    public static LocalIssuer start(Path keyFile, int port, List<Account> users, List<Account> clients) {
        return start(keyFile, port, users, clients, null);
    }

    /** The same over HTTPS with the TLS context's key and certificate (null: plain HTTP). */
    public static LocalIssuer start(Path keyFile, int port, List<Account> users, List<Account> clients, SSLContext tls) {
        return start(keyFile, port, users, clients, List.of(), tls);
    }

    /** The same with web clients that sign people in through the authorization code flow. */
    public static LocalIssuer start(Path keyFile, int port, List<Account> users, List<Account> clients, List<WebClient> webClients,
            SSLContext tls) {
        try {
            return new LocalIssuer(signingKey(keyFile), port, users, clients, webClients, tls);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the local OpenID Connect issuer on port " + port, e);
        }
    }

    /** The issuer identifier, which is also where its discovery document is found. */
    public String url() {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort();
    }

    public String tokenEndpoint() {
        return url() + "/token";
    }

    /** Signs the claims with this issuer's key: the token endpoints' tokens, and tests' tokens of every kind. */
    public String mint(TokenClaims claims) {
        return sign(claims, key);
    }

    /** Claims as this issuer gives them to an account, valid for an hour from now. */
    public TokenClaims claimsFor(Account account, String clientId) {
        return new TokenClaims(url(), Roles.AUDIENCE, account.name(), account.name(), clientId, account.roles(), account.tenants(),
                Instant.now().plus(TOKEN_LIFETIME));
    }

    static String sign(TokenClaims token, RsaJsonWebKey signingKey) {
        return sign(claimsOf(token), signingKey);
    }

    private static JwtClaims claimsOf(TokenClaims token) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(token.issuer());
        claims.setAudience(token.audience());
        claims.setSubject(token.subject());
        claims.setIssuedAtToNow();
        claims.setExpirationTime(NumericDate.fromMilliseconds(token.expiresAt().toEpochMilli()));
        claims.setGeneratedJwtId();
        claims.setClaim("preferred_username", token.name());
        claims.setClaim("azp", token.clientId());
        claims.setClaim("client_id", token.clientId());
        claims.setStringListClaim(Roles.ROLES_CLAIM, token.roles());
        claims.setStringListClaim(Roles.TENANTS_CLAIM, token.tenants());
        return claims;
    }

    /** An ID token for a web client: the person's name, roles and tenants, its audience the client, with the login's nonce. */
    private String idToken(Account user, String clientId, String nonce) {
        JwtClaims claims = claimsOf(new TokenClaims(url(), clientId, user.name(), user.name(), clientId, user.roles(), user.tenants(),
                Instant.now().plus(TOKEN_LIFETIME)));
        if (nonce != null) {
            claims.setClaim("nonce", nonce);
        }
        return sign(claims, key);
    }

    private static String sign(JwtClaims claims, RsaJsonWebKey signingKey) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(signingKey.getPrivateKey());
        jws.setKeyIdHeaderValue(signingKey.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setHeader("typ", "JWT");
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    /** A fresh RSA key that no issuer publishes: tokens signed with it must be refused. */
    public static RsaJsonWebKey strangerKey() {
        try {
            RsaJsonWebKey stranger = RsaJwkGenerator.generateJwk(2048);
            stranger.setKeyId("stranger");
            return stranger;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Claims signed with a key this issuer does not publish (even under its key id). */
    public String mintWithStrangerKey(TokenClaims claims) {
        RsaJsonWebKey stranger = strangerKey();
        stranger.setKeyId(key.getKeyId());
        return sign(claims, stranger);
    }

    /** The RSA key kept owner-only in the file (PKCS#8, base64), made on first use; its key id is its thumbprint. */
    static RsaJsonWebKey signingKey(Path file) throws IOException {
        try {
            if (!Files.exists(file)) {
                RsaJsonWebKey generated = RsaJwkGenerator.generateJwk(2048);
                OwnerOnlyFiles.write(file, Base64.getEncoder().encodeToString(generated.getPrivateKey().getEncoded()));
            }
            byte[] pkcs8 = Base64.getDecoder().decode(Files.readString(file).strip());
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            RSAPrivateCrtKey privateKey = (RSAPrivateCrtKey) rsa.generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            RsaJsonWebKey jwk = (RsaJsonWebKey) JsonWebKey.Factory.newJwk(rsa.generatePublic(
                    new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent())));
            jwk.setPrivateKey(privateKey);
            jwk.setKeyId(jwk.calculateBase64urlEncodedThumbprint("SHA-256"));
            jwk.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
            jwk.setUse("sig");
            return jwk;
        } catch (JoseException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("cannot read the issuer's signing key " + file + ": " + e.getMessage(), e);
        }
    }

    // ---- endpoints

    private record Reply(int status, String contentType, String body, Map<String, String> headers) {
        static Reply json(int status, Object body) {
            try {
                return new Reply(status, "application/json", JSON.writeValueAsString(body), Map.of("Cache-Control", "no-store"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static Reply error(int status, String error, String description) {
            return json(status, Map.of("error", error, "error_description", description));
        }

        static Reply html(int status, String body) {
            return html(status, body, "");
        }

        /** A page whose form may also lead to the origin given (browsers hold a form's redirect to form-action too). */
        static Reply html(int status, String body, String alsoFormTarget) {
            return new Reply(status, "text/html; charset=utf-8", body, Map.of("Cache-Control", "no-store",
                    "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' " + alsoFormTarget,
                    "X-Frame-Options", "DENY"));
        }
    }

    private interface Endpoint {
        Reply answer(HttpExchange exchange) throws IOException;
    }

    private void handle(HttpExchange exchange, Endpoint endpoint) throws IOException {
        Reply reply;
        try {
            reply = endpoint.answer(exchange);
        } catch (RuntimeException e) {
            reply = Reply.error(400, "invalid_request", String.valueOf(e.getMessage()));
        }
        byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        reply.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.sendResponseHeaders(reply.status(), body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    private Reply discovery(HttpExchange exchange) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("issuer", url());
        document.put("jwks_uri", url() + "/jwks");
        document.put("token_endpoint", tokenEndpoint());
        document.put("device_authorization_endpoint", url() + "/device/authorize");
        document.put("authorization_endpoint", url() + "/authorize");
        document.put("end_session_endpoint", url() + "/logout");
        document.put("grant_types_supported", List.of("client_credentials", DEVICE_GRANT, "authorization_code"));
        document.put("code_challenge_methods_supported", List.of("S256"));
        document.put("scopes_supported", List.of("openid"));
        document.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post", "none"));
        document.put("id_token_signing_alg_values_supported", List.of(AlgorithmIdentifiers.RSA_USING_SHA256));
        document.put("response_types_supported", List.of("code"));
        document.put("subject_types_supported", List.of("public"));
        return Reply.json(200, document);
    }

    private Reply jwks(HttpExchange exchange) {
        return new Reply(200, "application/json", new JsonWebKeySet(key).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY), Map.of());
    }

    private Reply token(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            return Reply.error(405, "invalid_request", "POST a form to the token endpoint");
        }
        Map<String, String> form = form(exchange);
        Map<String, String> basic = basicCredentials(exchange);
        String clientId = basic.getOrDefault("client_id", form.get("client_id"));
        String grantType = form.getOrDefault("grant_type", "");
        if (clientId == null) {
            return Reply.error(401, "invalid_client", "client_id is required");
        }
        if (grantType.equals("client_credentials")) {
            String secret = basic.getOrDefault("client_secret", form.get("client_secret"));
            Optional<Duration> throttled = failedSignIns.blockedFor("client:" + clientId);
            if (throttled.isPresent()) {
                return throttledReply(throttled.get());
            }
            Account client = clients.get(clientId);
            if (client == null || secret == null || !sameSecret(client.secret(), secret)) {
                failedSignIns.failed("client:" + clientId);
                return Reply.error(401, "invalid_client", "unknown client or wrong secret");
            }
            failedSignIns.succeeded("client:" + clientId);
            return tokenReply(mint(claimsFor(client, clientId)));
        }
        if (grantType.equals(DEVICE_GRANT)) {
            DeviceGrant grant = deviceGrants.get(form.getOrDefault("device_code", ""));
            if (grant == null || !clientId.equals(CLI_CLIENT)) {
                return Reply.error(400, "invalid_grant", "unknown device code");
            }
            if (Instant.now().isAfter(grant.expiresAt)) {
                deviceGrants.remove(form.get("device_code"));
                return Reply.error(400, "expired_token", "the device code expired: sign in again");
            }
            if (grant.approvedBy == null) {
                return Reply.error(400, "authorization_pending", "waiting for the sign-in at " + url() + "/device");
            }
            deviceGrants.remove(form.get("device_code"));
            return tokenReply(mint(claimsFor(grant.approvedBy, clientId)));
        }
        if (grantType.equals("authorization_code")) {
            return redeemCode(clientId, basic.getOrDefault("client_secret", form.get("client_secret")), form);
        }
        return Reply.error(400, "unsupported_grant_type", "grant_type must be client_credentials, authorization_code or " + DEVICE_GRANT);
    }

    private Reply redeemCode(String clientId, String secret, Map<String, String> form) {
        WebClient client = webClients.get(clientId);
        if (client == null || secret == null || !sameSecret(client.secret(), secret)) {
            return Reply.error(401, "invalid_client", "unknown client or wrong secret");
        }
        // one use only, whatever the outcome: a code seen twice may have been stolen
        AuthorizationCode code = authorizationCodes.remove(form.getOrDefault("code", ""));
        if (code == null || !code.clientId().equals(clientId) || !code.redirectUri().equals(form.get("redirect_uri"))
                || Instant.now().isAfter(code.expiresAt())) {
            return Reply.error(400, "invalid_grant", "unknown, used or expired code, or another client's or redirect URI's");
        }
        String verifier = form.getOrDefault("code_verifier", "");
        if (!s256(verifier).equals(code.codeChallenge())) {
            return Reply.error(400, "invalid_grant", "the PKCE code_verifier does not match the code_challenge");
        }
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("access_token", mint(claimsFor(code.user(), clientId)));
        reply.put("id_token", idToken(code.user(), clientId, code.nonce()));
        reply.put("token_type", "Bearer");
        reply.put("expires_in", TOKEN_LIFETIME.toSeconds());
        return Reply.json(200, reply);
    }

    private static String s256(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The authorization endpoint. GET: the sign-in form for a registered web client and its exact redirect URI
     * (anything else is refused here, never redirected); POST: name and password, then back to the client with a code.
     */
    private Reply authorize(HttpExchange exchange) throws IOException {
        boolean post = "POST".equals(exchange.getRequestMethod());
        Map<String, String> request = post ? form(exchange) : query(exchange);
        WebClient client = webClients.get(request.getOrDefault("client_id", ""));
        if (client == null || !client.redirectUri().equals(request.get("redirect_uri"))) {
            return Reply.html(400, page("Sign-in refused", "Unknown client or redirect address.", null, Map.of()));
        }
        Map<String, String> login = new LinkedHashMap<>();
        for (String name : List.of("response_type", "client_id", "redirect_uri", "state", "nonce", "code_challenge", "code_challenge_method")) {
            login.put(name, request.getOrDefault(name, ""));
        }
        if (!"code".equals(login.get("response_type"))) {
            return Reply.html(400, page("Sign-in refused", "Only response_type=code is supported.", null, Map.of()));
        }
        if (login.get("code_challenge").isEmpty() || !"S256".equals(login.get("code_challenge_method"))) {
            return Reply.html(400, page("Sign-in refused", "PKCE with S256 is required.", null, Map.of()));
        }
        if (!post) {
            return Reply.html(200, page("Sign in to the Tourniquet console", "", null, login), origin(client.redirectUri()));
        }
        SignIn signIn = signIn(request.getOrDefault("username", ""), request.getOrDefault("password", ""));
        if (signIn.throttledFor() != null) {
            return Reply.html(429, page("Too many failed sign-ins", "Retry in " + signIn.throttledFor().toSeconds() + " s.", null, login),
                    origin(client.redirectUri()));
        }
        if (signIn.user() == null) {
            return Reply.html(401, page("Sign in to the Tourniquet console", "Wrong name or password.", null, login),
                    origin(client.redirectUri()));
        }
        Account user = signIn.user();
        String code = randomToken(32);
        authorizationCodes.values().removeIf(c -> Instant.now().isAfter(c.expiresAt()));
        authorizationCodes.put(code, new AuthorizationCode(client.id(), client.redirectUri(), login.get("code_challenge"),
                login.get("nonce").isEmpty() ? null : login.get("nonce"), user, Instant.now().plus(AUTHORIZATION_CODE_LIFETIME)));
        String location = client.redirectUri() + "?code=" + encode(code)
                + (login.get("state").isEmpty() ? "" : "&state=" + encode(login.get("state")));
        return redirect(location);
    }

    /** RP-initiated logout: nothing is kept here per session, so only the return to the client's own origin is checked. */
    private Reply logout(HttpExchange exchange) {
        String target = query(exchange).getOrDefault("post_logout_redirect_uri", "");
        boolean known = !target.isEmpty() && webClients.values().stream().anyMatch(c -> target.startsWith(origin(c.redirectUri()) + "/"));
        if (!known) {
            return Reply.html(200, "<!doctype html><html lang=\"en\"><title>Signed out</title><h1>Signed out</h1></html>");
        }
        return redirect(target);
    }

    private static String origin(String uri) {
        URI parsed = URI.create(uri);
        return parsed.getScheme() + "://" + parsed.getRawAuthority();
    }

    private static Reply redirect(String location) {
        return new Reply(302, "text/plain; charset=utf-8", "", Map.of("Location", location, "Cache-Control", "no-store"));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** A person's name and password checked, failures throttled per account: the account, or why not (both null: wrong). */
    private record SignIn(Account user, Duration throttledFor) {
    }

    private SignIn signIn(String name, String password) {
        Optional<Duration> throttled = failedSignIns.blockedFor("user:" + name);
        if (throttled.isPresent()) {
            return new SignIn(null, throttled.get());
        }
        Account user = users.get(name);
        if (user == null || !sameSecret(user.secret(), password)) {
            failedSignIns.failed("user:" + name);
            return new SignIn(null, null);
        }
        failedSignIns.succeeded("user:" + name);
        return new SignIn(user, null);
    }

    private static Reply throttledReply(Duration wait) {
        Reply reply = Reply.error(429, "slow_down", "too many failed sign-ins: retry in " + wait.toSeconds() + " s");
        Map<String, String> headers = new HashMap<>(reply.headers());
        headers.put("Retry-After", Long.toString(Math.max(1, wait.toSeconds())));
        return new Reply(reply.status(), reply.contentType(), reply.body(), headers);
    }

    private static Reply tokenReply(String accessToken) {
        return Reply.json(200, Map.of("access_token", accessToken, "token_type", "Bearer", "expires_in", TOKEN_LIFETIME.toSeconds()));
    }

    private Reply deviceAuthorization(HttpExchange exchange) throws IOException {
        Map<String, String> form = form(exchange);
        if (!"POST".equals(exchange.getRequestMethod()) || !CLI_CLIENT.equals(form.get("client_id"))) {
            return Reply.error(400, "invalid_client", "POST client_id=" + CLI_CLIENT);
        }
        String deviceCode = randomToken(32);
        StringBuilder userCode = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            userCode.append(i == 4 ? "-" : "").append(USER_CODE_ALPHABET.charAt(RANDOM.nextInt(USER_CODE_ALPHABET.length())));
        }
        deviceGrants.values().removeIf(g -> Instant.now().isAfter(g.expiresAt));
        deviceGrants.put(deviceCode, new DeviceGrant(userCode.toString(), Instant.now().plus(DEVICE_CODE_LIFETIME)));
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("device_code", deviceCode);
        reply.put("user_code", userCode.toString());
        reply.put("verification_uri", url() + "/device");
        reply.put("verification_uri_complete", url() + "/device?user_code=" + userCode);
        reply.put("expires_in", DEVICE_CODE_LIFETIME.toSeconds());
        reply.put("interval", 1);
        return Reply.json(200, reply);
    }

    /** GET: the sign-in form; POST: a person approves a device code with name and password. */
    private Reply signInPage(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            String code = query(exchange).getOrDefault("user_code", "");
            return Reply.html(200, page("Sign in to Tourniquet", "", code, Map.of()));
        }
        Map<String, String> form = form(exchange);
        String code = form.getOrDefault("user_code", "").strip().toUpperCase();
        SignIn signIn = signIn(form.getOrDefault("username", ""), form.getOrDefault("password", ""));
        if (signIn.throttledFor() != null) {
            return Reply.html(429, page("Too many failed sign-ins", "Retry in " + signIn.throttledFor().toSeconds() + " s.", code, Map.of()));
        }
        if (signIn.user() == null) {
            return Reply.html(401, page("Sign in to Tourniquet", "Wrong name or password.", code, Map.of()));
        }
        Account user = signIn.user();
        Optional<DeviceGrant> grant = deviceGrants.values().stream()
                .filter(g -> g.userCode.equals(code) && Instant.now().isBefore(g.expiresAt) && g.approvedBy == null).findFirst();
        if (grant.isEmpty()) {
            return Reply.html(400, page("Sign in to Tourniquet", "Unknown or expired code: run ./tourniquet login again.", "", Map.of()));
        }
        grant.get().approvedBy = user;
        return Reply.html(200, "<!doctype html><html lang=\"en\"><title>Signed in</title><h1>Signed in as " + escape(user.name())
                + "</h1><p>You may close this window and return to the terminal.</p></html>");
    }

    /**
     * A sign-in form: for the device grant (code: the user code field) or for the authorization code flow (hidden:
     * the request's parameters, posted back); with no fields at all, only the message.
     */
    private static String page(String title, String message, String code, Map<String, String> hidden) {
        String head = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title></head><body>"
                + "<h1>" + escape(title) + "</h1>" + (message.isEmpty() ? "" : "<p role=\"alert\">" + escape(message) + "</p>");
        if (code == null && hidden.isEmpty()) {
            return head + "</body></html>";
        }
        StringBuilder fields = new StringBuilder();
        hidden.forEach((name, value) -> fields.append("<input type=\"hidden\" name=\"").append(escape(name)).append("\" value=\"")
                .append(escape(value)).append("\">"));
        return head + "<form method=\"post\" action=\"" + (code == null ? "/authorize" : "/device") + "\">" + fields
                + (code == null ? "" : "<p><label for=\"user_code\">Code shown by ./tourniquet login</label><br><input id=\"user_code\" name=\"user_code\" value=\""
                + escape(code) + "\" required></p>")
                + "<p><label for=\"username\">Name</label><br><input id=\"username\" name=\"username\" autocomplete=\"username\" required></p>"
                + "<p><label for=\"password\">Password</label><br><input id=\"password\" name=\"password\" type=\"password\" "
                + "autocomplete=\"current-password\" required></p>"
                + "<p><button type=\"submit\">Sign in</button></p></form></body></html>";
    }

    // ---- helpers

    private static boolean sameSecret(String expected, String given) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    private static String randomToken(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static Map<String, String> form(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readNBytes(16 * 1024);
        return parameters(new String(body, StandardCharsets.UTF_8));
    }

    private static Map<String, String> query(HttpExchange exchange) {
        String query = exchange.getRequestURI().getRawQuery();
        return query == null ? Map.of() : parameters(query);
    }

    private static Map<String, String> parameters(String encoded) {
        Map<String, String> parameters = new HashMap<>();
        for (String pair : encoded.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                parameters.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return parameters;
    }

    private static Map<String, String> basicCredentials(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Map.of();
        }
        String decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return Map.of();
        }
        return Map.of("client_id", URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8),
                "client_secret", URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8));
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
