package io.tourniquet.feedtrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tourniquet.feedtrust.InvalidFeedException.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;

/** Microsoft's real EM feed, and every way of tampering with it that the issue names. */
class EocsVerifierTest {

    static final Path REAL_FEED = Path.of(System.getProperty("tourniquet.testdata.dir", "../testdata"), "exchange/getexchangemitigations-2021-09.xml");

    private final EocsVerifier verifier = new EocsVerifier(EocsVerifier.Trust.microsoft(1 << 20));

    private static String real() throws Exception {
        return Files.readString(REAL_FEED, StandardCharsets.UTF_8);
    }

    private void assertRejected(String xml, Reason reason, String messagePart) {
        assertRejected(xml.getBytes(StandardCharsets.UTF_8), reason, messagePart);
    }

    private void assertRejected(byte[] xml, Reason reason, String messagePart) {
        ThrowableAssert.ThrowingCallable verify = () -> verifier.verify(xml);
        assertThatThrownBy(verify).isInstanceOfSatisfying(InvalidFeedException.class, e -> {
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.getMessage()).contains(messagePart);
        });
    }

    @Test
    void microsoftsRealFeedVerifiesAtItsSigningTime() throws Exception {
        var verified = verifier.verify(Files.readAllBytes(REAL_FEED));
        assertThat(verified.version()).isEqualTo("1.0.4");
        assertThat(verified.signerSubject()).contains("CN=Microsoft Exchange XML Signing");
        assertThat(verified.signerSha256()).isEqualTo("7162e94f7a3e7d57b9dc8f45518a21cf1b87e57ad2419df79ee8d428c7885411");
        assertThat(verified.signingTime().toString()).startsWith("2021-09-15");
        assertThat(verified.configs()).singleElement().satisfies(c -> {
            assertThat(c.id()).isEqualTo("PING1");
            assertThat(c.actionTypes()).containsExactly("DoNothing");
        });
    }

    @Test
    void anyChangeToTheSignedContentIsRejected() throws Exception {
        String real = real();
        assertRejected(real.replace("desc=\"EEMS Heartbeat probe.", "desc=\"EEMS Heartbeat probe!"), Reason.BAD_SIGNATURE, "document changed after signing");
        assertRejected(real.replace("<Action type=\"DoNothing\"", "<Action type=\"StopService\""), Reason.BAD_SIGNATURE, "document changed after signing");
        assertRejected(real.replace("<Signature ", "<Config id=\"M9\"><ActionList><Action type=\"DisableAppPool\"/></ActionList></Config>\n<Signature "),
                Reason.BAD_SIGNATURE, "document changed after signing");
    }

    @Test
    void aStrippedOrDuplicatedSignatureIsRejected() throws Exception {
        String real = real();
        String stripped = real.substring(0, real.indexOf("<Signature ")) + "</EOCS>";
        assertRejected(stripped, Reason.MISSING_SIGNATURE, "not signed");
        String signature = real.substring(real.indexOf("<Signature "), real.indexOf("</EOCS>"));
        assertRejected(real.replace("</EOCS>", signature + "</EOCS>"), Reason.SIGNATURE_SCOPE, "exactly one");
    }

    @Test
    void aLookAlikeChainWithMicrosoftsNamesButNotItsKeyIsRejected() throws Exception {
        LookAlikeSigner attacker = new LookAlikeSigner();
        byte[] forged = attacker.resign(real().replace("DoNothing", "DisableService").getBytes(StandardCharsets.UTF_8));
        assertRejected(forged, Reason.UNTRUSTED_CHAIN, "does not reach a pinned trust anchor");

        // The same chain, trusted by (mis)configuration, gets past the anchor, and still fails: it has no proof of signing time.
        var misconfigured = new EocsVerifier(new EocsVerifier.Trust(Set.of(EocsVerifier.sha256(attacker.root)), Set.of(), 1 << 20));
        assertThatThrownBy(() -> misconfigured.verify(forged)).isInstanceOfSatisfying(InvalidFeedException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.BAD_TIMESTAMP));
    }

    @Test
    void externalEntitiesAndEntityExpansionAreRefusedWithoutBeingResolved() {
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE EOCS [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><EOCS version=\"1\">&xxe;</EOCS>";
        assertRejected(xxe, Reason.FORBIDDEN_DTD, "DTD");
        StringBuilder laughs = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE EOCS [<!ENTITY l0 \"lol\">");
        for (int i = 1; i < 10; i++) {
            laughs.append("<!ENTITY l").append(i).append(" \"").append(("&l" + (i - 1) + ";").repeat(10)).append("\">");
        }
        laughs.append("]><EOCS>&l9;</EOCS>");
        assertRejected(laughs.toString(), Reason.FORBIDDEN_DTD, "DTD");
    }

    @Test
    void oversizedAndMalformedDocumentsAreRejected() throws Exception {
        assertThatThrownBy(() -> new EocsVerifier(EocsVerifier.Trust.microsoft(1000)).verify(Files.readAllBytes(REAL_FEED)))
                .isInstanceOfSatisfying(InvalidFeedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
        assertRejected("<EOCS><Config", Reason.MALFORMED, "malformed XML");
        assertRejected("<Other/>", Reason.INVALID_CONTENT, "not <EOCS>");
    }
}
