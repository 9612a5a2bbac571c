package io.tourniquet.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The HTTP client of everything that calls the local stack's APIs (the launcher, the CLI, the tests): it trusts the
 * JDK's certificate authorities and, once {@link #trust} was told, the local stack's own CA, so that the services'
 * HTTPS is verified, never skipped.
 */
public final class StackHttp {

    private static final Set<Path> AUTHORITIES = ConcurrentHashMap.newKeySet();
    private static volatile HttpClient client;

    private StackHttp() {
    }

    /** Trusts the CA certificate (PEM) from now on, beside the JDK's own authorities. */
    public static void trust(Path caCertificate) {
        if (AUTHORITIES.add(caCertificate.toAbsolutePath().normalize())) {
            client = null;
        }
    }

    /** Trusts the local stack's CA if the stack under this state directory has made one. */
    public static void trustLocalStack(Path stateDir) {
        Path ca = stateDir.resolve("tls").resolve("ca.crt");
        if (Files.exists(ca)) {
            trust(ca);
        }
    }

    public static HttpClient client() {
        HttpClient current = client;
        if (current == null) {
            current = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(context()).build();
            client = current;
        }
        return current;
    }

    private static SSLContext context() {
        try {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jdk.init((KeyStore) null);
            int i = 0;
            for (var manager : jdk.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    for (X509Certificate authority : x509.getAcceptedIssuers()) {
                        anchors.setCertificateEntry("jdk-" + i++, authority);
                    }
                }
            }
            CertificateFactory certificates = CertificateFactory.getInstance("X.509");
            for (Path authority : AUTHORITIES) {
                try (InputStream in = Files.newInputStream(authority)) {
                    anchors.setCertificateEntry("local-" + i++, certificates.generateCertificate(in));
                }
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(anchors);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a trusted CA certificate", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS trust", e);
        }
    }
}
