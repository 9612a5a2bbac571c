package io.tourniquet.devstack;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The local stack's own certificate authority and the broker's TLS certificate (for 127.0.0.1 and localhost), made
 * with the JDK's keytool on first use and kept: {@code ca.p12} (the CA's key, never handed out), {@code broker.p12}
 * (the broker's key and certificate), {@code truststore.p12} (the CA certificate clients trust) and the store
 * password in {@code password} (owner-only). Nothing here is meant for production, where certificates come from the
 * MSP's PKI or Strimzi's cluster CA.
 */
public final class LocalPki {

    private static final String PASSWORD_VARIABLE = "TOURNIQUET_LOCAL_PKI_PASSWORD";
    /** The organisation of every certificate the local CA issues; the broker maps a client certificate's CN to its principal only with it. */
    public static final String ORGANISATION_RDN = "O=Tourniquet local stack";
    private static final String BROKER_DNAME = "CN=tourniquet-local-broker, " + ORGANISATION_RDN;

    private final Path dir;
    private final String password;

    private LocalPki(Path dir, String password) {
        this.dir = dir;
        this.password = password;
    }

    /** The PKI in {@code dir}: read when it exists, made otherwise. */
    public static LocalPki in(Path dir) {
        Path passwordFile = dir.resolve("password");
        try {
            if (Files.exists(dir.resolve("truststore.p12")) && Files.exists(passwordFile)) {
                return new LocalPki(dir, Files.readString(passwordFile, StandardCharsets.UTF_8).strip());
            }
            OwnerOnlyFiles.directory(dir);
            String password = randomSecret();
            OwnerOnlyFiles.write(passwordFile, password);
            LocalPki pki = new LocalPki(dir, password);
            pki.make();
            return pki;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set up the local PKI in " + dir, e);
        }
    }

    public Path brokerKeystore() {
        return dir.resolve("broker.p12");
    }

    public Path truststore() {
        return dir.resolve("truststore.p12");
    }

    /** The CA's certificate (PEM): what a client of the local stack trusts (curl --cacert). */
    public Path caCertificate() {
        return dir.resolve("ca.crt");
    }

    /**
     * The key and certificate the local stack's HTTPS endpoints (services, identity provider) serve, for 127.0.0.1 and
     * localhost, signed by the local CA: {@code services.p12}, made on first use, owner-only.
     */
    public synchronized Path servicesKeystore() {
        Path keystore = dir.resolve("services.p12");
        if (Files.exists(keystore)) {
            return keystore;
        }
        try {
            Path request = dir.resolve("services.csr");
            Path signed = dir.resolve("services.crt");
            keytool("-genkeypair", "-alias", "services", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "825",
                    "-dname", "CN=tourniquet-local-services, " + ORGANISATION_RDN, "-keystore", keystore.toString());
            keytool("-certreq", "-alias", "services", "-keystore", keystore.toString(), "-file", request.toString());
            keytool("-gencert", "-alias", "ca", "-keystore", dir.resolve("ca.p12").toString(), "-infile", request.toString(),
                    "-outfile", signed.toString(), "-rfc", "-validity", "825", "-ext", "san=ip:127.0.0.1,dns:localhost", "-ext", "eku=serverAuth");
            keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCertificate().toString(), "-keystore", keystore.toString());
            keytool("-importcert", "-alias", "services", "-file", signed.toString(), "-keystore", keystore.toString());
            Files.delete(request);
            OwnerOnlyFiles.restrict(keystore);
            return keystore;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the services' certificate", e);
        }
    }

    /** A server-side TLS context with the services' key and certificate (the local issuer's HTTPS). */
    public SSLContext servicesTls() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(servicesKeystore())) {
                store.load(in, password.toCharArray());
            }
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + servicesKeystore(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot use the services' key in " + servicesKeystore(), e);
        }
    }

    /**
     * A client certificate for the principal (CN=principal), signed by the local CA, in {@code clients/<principal>.p12}:
     * made on first use, owner-only. The broker's mutual-TLS listener authenticates it as that principal.
     */
    public synchronized Path clientKeystore(String principal) {
        if (!principal.matches("[a-z0-9][a-z0-9-]{0,100}")) {
            throw new IllegalArgumentException("not a principal name: " + principal);
        }
        Path keystore = dir.resolve("clients").resolve(principal + ".p12");
        if (Files.exists(keystore)) {
            return keystore;
        }
        try {
            OwnerOnlyFiles.directory(keystore.getParent());
            Path request = dir.resolve("clients").resolve(principal + ".csr");
            Path signed = dir.resolve("clients").resolve(principal + ".crt");
            Path ca = dir.resolve("ca.p12");
            keytool("-genkeypair", "-alias", principal, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "825",
                    "-dname", "CN=" + principal + ", " + ORGANISATION_RDN, "-keystore", keystore.toString());
            keytool("-certreq", "-alias", principal, "-keystore", keystore.toString(), "-file", request.toString());
            keytool("-gencert", "-alias", "ca", "-keystore", ca.toString(), "-infile", request.toString(), "-outfile", signed.toString(),
                    "-rfc", "-validity", "825", "-ext", "eku=clientAuth");
            keytool("-importcert", "-noprompt", "-alias", "ca", "-file", dir.resolve("ca.crt").toString(), "-keystore", keystore.toString());
            keytool("-importcert", "-alias", principal, "-file", signed.toString(), "-keystore", keystore.toString());
            Files.delete(request);
            OwnerOnlyFiles.restrict(keystore);
            return keystore;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a client certificate for " + principal, e);
        }
    }

    /** Of every store here (local stack only). */
    public String password() {
        return password;
    }

    /** The principal the broker's certificate authenticates as (its own connections to the controller). */
    public static String brokerPrincipal() {
        return "User:" + BROKER_DNAME.replace(", ", ",");
    }

    static String randomSecret() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private void make() throws IOException {
        Path ca = dir.resolve("ca.p12");
        Path caCert = dir.resolve("ca.crt");
        Path request = dir.resolve("broker.csr");
        Path signed = dir.resolve("broker.crt");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "3650",
                "-dname", "CN=Tourniquet local CA, O=Tourniquet local stack", "-ext", "bc:c", "-keystore", ca.toString());
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-file", caCert.toString());
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "825",
                "-dname", BROKER_DNAME, "-keystore", brokerKeystore().toString());
        keytool("-certreq", "-alias", "broker", "-keystore", brokerKeystore().toString(), "-file", request.toString());
        keytool("-gencert", "-alias", "ca", "-keystore", ca.toString(), "-infile", request.toString(), "-outfile", signed.toString(),
                "-rfc", "-validity", "825", "-ext", "san=ip:127.0.0.1,dns:localhost", "-ext", "eku=serverAuth,clientAuth");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCert.toString(), "-keystore", brokerKeystore().toString());
        keytool("-importcert", "-alias", "broker", "-file", signed.toString(), "-keystore", brokerKeystore().toString());
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCert.toString(), "-keystore", truststore().toString());
        Files.delete(request);
        OwnerOnlyFiles.restrict(ca);
        OwnerOnlyFiles.restrict(brokerKeystore());
    }

    private void keytool(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        // the password goes through the environment, not the command line other users can list
        command.addAll(List.of("-storetype", "PKCS12", "-storepass:env", PASSWORD_VARIABLE, "-keypass:env", PASSWORD_VARIABLE));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().put(PASSWORD_VARIABLE, password);
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool " + args[0] + " failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }
}
