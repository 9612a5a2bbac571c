package io.tourniquet.schemas.crypto;

import java.security.Signature;
import java.util.Arrays;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * Ed25519 keys as PEM files (PKCS#8 private, X.509 SubjectPublicKeyInfo public), the format openssl writes
 * ({@code openssl genpkey -algorithm ed25519}). Key ids are the first 16 hex digits of the SHA-256 of the public key.
 */
public final class Ed25519Keys {

    private static final String ALGORITHM = "Ed25519";
    /** SubjectPublicKeyInfo of an Ed25519 key (RFC 8410) up to the 32 key bytes. */
    /** PKCS#8 of an Ed25519 private key (RFC 8410) up to its 32-byte seed. */
    private static final byte[] PKCS8_HEADER = HexFormat.of().parseHex("302e020100300506032b657004220420");
    private static final byte[] X509_HEADER = HexFormat.of().parseHex("302a300506032b6570032100");

    private Ed25519Keys() {
    }

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        }
    }

    public static String keyId(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The 32-byte public key: the end of its X.509 encoding (a fixed 12-byte header precedes it). */
    public static byte[] raw(PublicKey key) {
        byte[] encoded = key.getEncoded();
        return Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
    }

    /** The key pair of a 32-byte seed (RFC 8032): for keys that must be derived again rather than stored. */
    public static KeyPair fromSeed(byte[] seed) {
        if (seed.length != 32) {
            throw new IllegalArgumentException("an Ed25519 seed is 32 bytes, not " + seed.length);
        }
        byte[] pkcs8 = new byte[PKCS8_HEADER.length + seed.length];
        System.arraycopy(PKCS8_HEADER, 0, pkcs8, 0, PKCS8_HEADER.length);
        System.arraycopy(seed, 0, pkcs8, PKCS8_HEADER.length, seed.length);
        try {
            PrivateKey privateKey = KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            return new KeyPair(publicOf(privateKey), privateKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public key of a private key (RFC 8032 derives it from the seed). */
    public static PublicKey publicOf(PrivateKey key) {
        byte[] pkcs8 = key.getEncoded();
        byte[] raw = new Ed25519PrivateKeyParameters(Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length), 0).generatePublicKey().getEncoded();
        byte[] x509 = new byte[X509_HEADER.length + raw.length];
        System.arraycopy(X509_HEADER, 0, x509, 0, X509_HEADER.length);
        System.arraycopy(raw, 0, x509, X509_HEADER.length, raw.length);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(x509));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An Ed25519 signature (RFC 8032) of the bytes. */
    public static byte[] sign(PrivateKey key, byte[] data) {
        try {
            Signature signature = Signature.getInstance(ALGORITHM);
            signature.initSign(key);
            signature.update(data);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign", e);
        }
    }

    public static String toPem(PublicKey key) {
        return pem("PUBLIC KEY", key.getEncoded());
    }

    public static String toPem(PrivateKey key) {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    public static PublicKey readPublic(Path file) {
        return publicFromPem(read(file), file.toString());
    }

    public static PrivateKey readPrivate(Path file) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(
                    new PKCS8EncodedKeySpec(der(read(file), "PRIVATE KEY", file.toString())));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(file + " is not an Ed25519 private key (PKCS#8 PEM)", e);
        }
    }

    public static PublicKey publicFromPem(String pem, String origin) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der(pem, "PUBLIC KEY", origin)));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(origin + " is not an Ed25519 public key (X.509 PEM)", e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read key file " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] der(String pem, String label, String origin) {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end);
        if (from < 0 || to < from) {
            throw new IllegalArgumentException(origin + " has no " + begin + " block");
        }
        return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }
}
