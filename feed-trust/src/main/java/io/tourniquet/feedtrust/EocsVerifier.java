package io.tourniquet.feedtrust;

import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.DefaultAlgorithmNameFinder;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.BAD_SIGNATURE;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.BAD_TIMESTAMP;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.INVALID_CONTENT;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.MISSING_SIGNATURE;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.SIGNATURE_SCOPE;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.UNTRUSTED_CHAIN;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.WRONG_KEY_USAGE;

import io.tourniquet.schemas.crypto.Digests;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.xml.crypto.dsig.Reference;
import javax.xml.crypto.dsig.XMLSignature;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMValidateContext;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.tsp.TimeStampToken;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Verifies Microsoft's Exchange Emergency Mitigation feed (an {@code EOCS} document with an enveloped XML-DSig
 * signature) the way the EM service does, and stricter: one signature, over the whole document; the signing
 * certificate carries the EM signing EKU and chains to a trust anchor pinned by SHA-256 fingerprint (never one taken
 * on the file's word); the chain is valid at the signing time proven by the RFC 3161 timestamp, whose own chain ends
 * at a pinned anchor too. Revocation is not checked (no network from here).
 */
public final class EocsVerifier {

    public static final String EM_SIGNING_EKU = "1.3.6.1.4.1.311.76.57.1.11";
    static final String TIMESTAMPING_EKU = "1.3.6.1.5.5.7.3.8";
    /** SHA-256 of Microsoft Root Certificate Authority 2011. */
    public static final String MICROSOFT_ROOT_2011_SHA256 = "847df6a78497943f27fc72eb93f9a637320a02b561d0a91b09e87a7807ed7c61";
    /** SHA-256 of Microsoft Time-Stamp PCA 2010 (its root, Microsoft Root Certificate Authority 2010, is not in the feed). */
    public static final String MICROSOFT_TIMESTAMP_PCA_2010_SHA256 = "86ec118d1ee69670a46e2be29c4b4208be043e36600d4e1dd3f3d515ca119020";

    /** Pinned trust: anchors by fingerprint, for the signer and for the timestamp authority. */
    public record Trust(Set<String> signingAnchors, Set<String> timestampAnchors, int maxBytes) {
        public static Trust microsoft(int maxBytes) {
            return new Trust(Set.of(MICROSOFT_ROOT_2011_SHA256), Set.of(MICROSOFT_TIMESTAMP_PCA_2010_SHA256), maxBytes);
        }
    }

    /** One {@code Config} of the feed: Microsoft's mitigation id and the action types it names. */
    public record EocsConfig(String id, String description, List<String> actionTypes) {
    }

    /** A feed that passed every check. */
    public record Verified(String version, Instant signingTime, String signerSha256, String signerSubject, List<EocsConfig> configs) {
    }

    private final Trust trust;

    public EocsVerifier(Trust trust) {
        this.trust = trust;
    }

    public Verified verify(byte[] xml) {
        Document document = SecureXml.parse(xml, trust.maxBytes());
        Element root = document.getDocumentElement();
        if (!"EOCS".equals(root.getLocalName()) || root.getNamespaceURI() != null) {
            throw new InvalidFeedException(INVALID_CONTENT, "root element is <" + root.getTagName() + ">, not <EOCS>");
        }
        Element signature = onlySignature(document, root);
        List<X509Certificate> chain = certificates(child(child(signature, "KeyInfo"), "X509Data"));
        if (chain.isEmpty()) {
            throw new InvalidFeedException(MISSING_SIGNATURE, "signature carries no X.509 certificate");
        }
        X509Certificate signer = chain.get(0);
        anchorOf(chain, trust.signingAnchors(), "signing"); // before anything else that trusts the file's certificates
        byte[] signatureValue = validateSignature(signature, signer);
        Instant signingTime = timestamp(signature, signatureValue);
        validateChain(chain, trust.signingAnchors(), signingTime, "signing");
        requireEku(signer, EM_SIGNING_EKU, "Exchange Emergency Mitigation signing");
        return new Verified(root.getAttribute("version"), signingTime, sha256(signer), signer.getSubjectX500Principal().getName(), configs(root));
    }

    private static Element onlySignature(Document document, Element root) {
        NodeList signatures = document.getElementsByTagNameNS(XMLSignature.XMLNS, "Signature");
        if (signatures.getLength() == 0) {
            throw new InvalidFeedException(MISSING_SIGNATURE, "document is not signed");
        }
        if (signatures.getLength() > 1) {
            throw new InvalidFeedException(SIGNATURE_SCOPE, "document carries " + signatures.getLength() + " signatures; exactly one is allowed");
        }
        Element signature = (Element) signatures.item(0);
        if (signature.getParentNode() != root) {
            throw new InvalidFeedException(SIGNATURE_SCOPE, "the signature is not a direct child of <EOCS>");
        }
        return signature;
    }

    /** @return the decoded SignatureValue, which the timestamp must cover */
    private static byte[] validateSignature(Element signatureElement, X509Certificate signer) {
        try {
            DOMValidateContext context = new DOMValidateContext(signer.getPublicKey(), signatureElement);
            context.setProperty("org.jcp.xml.dsig.secureValidation", Boolean.TRUE);
            XMLSignature signature = XMLSignatureFactory.getInstance("DOM").unmarshalXMLSignature(context);
            List<?> references = signature.getSignedInfo().getReferences();
            if (references.size() != 1 || !"".equals(((Reference) references.get(0)).getURI())) {
                throw new InvalidFeedException(SIGNATURE_SCOPE, "the signature must cover the whole document (one reference, URI \"\")");
            }
            if (!signature.validate(context)) {
                boolean contentIntact = ((Reference) references.get(0)).validate(context);
                throw new InvalidFeedException(BAD_SIGNATURE, contentIntact
                        ? "signature value does not verify with the signing certificate's key"
                        : "document changed after signing: digest of the signed content does not match");
            }
            return signature.getSignatureValue().getValue();
        } catch (InvalidFeedException e) {
            throw e;
        } catch (Exception e) {
            throw new InvalidFeedException(BAD_SIGNATURE, "signature cannot be validated: " + e.getMessage(), e);
        }
    }

    /** The signing time, from the RFC 3161 counter-signature over the signature value. */
    private Instant timestamp(Element signature, byte[] signatureValue) {
        Element counterSignature = null;
        for (Element object : children(signature, "Object")) {
            for (Node n = object.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && "CounterSignature".equals(e.getLocalName())) {
                    counterSignature = e;
                }
            }
        }
        if (counterSignature == null) {
            throw new InvalidFeedException(BAD_TIMESTAMP, "no timestamp counter-signature: the signing time cannot be proven");
        }
        try {
            TimeStampToken token = new TimeStampToken(new CMSSignedData(Base64.getMimeDecoder().decode(counterSignature.getTextContent())));
            var info = token.getTimeStampInfo();
            String algorithm = new DefaultAlgorithmNameFinder().getAlgorithmName(info.getMessageImprintAlgOID());
            byte[] expected = MessageDigest.getInstance(algorithm.replace("SHA", "SHA-").replace("SHA--", "SHA-")).digest(signatureValue);
            if (!MessageDigest.isEqual(expected, info.getMessageImprintDigest())) {
                throw new InvalidFeedException(BAD_TIMESTAMP, "the timestamp does not cover this signature");
            }
            X509Certificate tsa = null;
            List<X509Certificate> tsaChain = new ArrayList<>();
            for (var holder : token.getCertificates().getMatches(null)) {
                X509Certificate cert = toX509(((X509CertificateHolder) holder).getEncoded());
                tsaChain.add(cert);
                if (token.getSID().match(holder)) {
                    tsa = cert;
                }
            }
            if (tsa == null) {
                throw new InvalidFeedException(BAD_TIMESTAMP, "the timestamp does not include its signer's certificate");
            }
            // Microsoft's TSA marks its timestamping EKU non-critical, which RFC 3161's strict check refuses:
            // verify the token's signature and require the EKU, critical or not.
            if (!token.isSignatureValid(new JcaSimpleSignerInfoVerifierBuilder().build(tsa))) {
                throw new InvalidFeedException(BAD_TIMESTAMP, "the timestamp's signature does not verify");
            }
            requireEku(tsa, TIMESTAMPING_EKU, "time stamping");
            Instant time = info.getGenTime().toInstant();
            tsaChain.remove(tsa);
            tsaChain.add(0, tsa);
            validateChain(tsaChain, trust.timestampAnchors(), time, "timestamp");
            return time;
        } catch (InvalidFeedException e) {
            throw e;
        } catch (Exception e) {
            throw new InvalidFeedException(BAD_TIMESTAMP, "timestamp invalid: " + e.getMessage(), e);
        }
    }

    /** PKIX path from the first certificate to a certificate whose fingerprint is pinned, valid at {@code at}. */
    private static void validateChain(List<X509Certificate> certificates, Set<String> pinnedAnchors, Instant at, String purpose) {
        X509Certificate anchor = anchorOf(certificates, pinnedAnchors, purpose);
        List<X509Certificate> path = certificates.subList(0, certificates.indexOf(anchor));
        if (path.isEmpty()) {
            throw new InvalidFeedException(UNTRUSTED_CHAIN, "the " + purpose + " certificate is itself the trust anchor");
        }
        try {
            PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(at));
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
        } catch (Exception e) {
            throw new InvalidFeedException(UNTRUSTED_CHAIN, "the " + purpose + " chain is not valid at " + at + ": " + e.getMessage(), e);
        }
    }

    /** The first certificate whose fingerprint is pinned: names alone (a look-alike root) never make an anchor. */
    private static X509Certificate anchorOf(List<X509Certificate> certificates, Set<String> pinnedAnchors, String purpose) {
        return certificates.stream().filter(c -> pinnedAnchors.contains(sha256(c))).findFirst().orElseThrow(() ->
                new InvalidFeedException(UNTRUSTED_CHAIN, "the " + purpose + " chain does not reach a pinned trust anchor ("
                        + certificates.stream().map(c -> c.getSubjectX500Principal().getName() + " sha256:" + sha256(c)).toList() + ")"));
    }

    private static void requireEku(X509Certificate certificate, String eku, String name) {
        try {
            List<String> usages = certificate.getExtendedKeyUsage();
            if (usages == null || !usages.contains(eku)) {
                throw new InvalidFeedException(WRONG_KEY_USAGE, "certificate " + certificate.getSubjectX500Principal().getName()
                        + " lacks the " + name + " extended key usage " + eku);
            }
        } catch (CertificateParsingException e) {
            throw new InvalidFeedException(WRONG_KEY_USAGE, "unreadable extended key usage: " + e.getMessage(), e);
        }
    }

    private static List<EocsConfig> configs(Element root) {
        List<EocsConfig> configs = new ArrayList<>();
        for (Element config : children(root, "Config")) {
            String id = config.getAttribute("id");
            if (id.isBlank()) {
                throw new InvalidFeedException(INVALID_CONTENT, "a <Config> has no id");
            }
            List<String> types = new ArrayList<>();
            for (Element list : children(config, "ActionList")) {
                for (Element action : children(list, "Action")) {
                    types.add(action.getAttribute("type"));
                }
            }
            configs.add(new EocsConfig(id, config.getAttribute("desc"), types));
        }
        return configs;
    }

    private static List<X509Certificate> certificates(Element x509Data) {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Element cert : children(x509Data, "X509Certificate")) {
            certificates.add(toX509(Base64.getMimeDecoder().decode(cert.getTextContent())));
        }
        return certificates;
    }

    private static X509Certificate toX509(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new InvalidFeedException(UNTRUSTED_CHAIN, "unreadable certificate: " + e.getMessage(), e);
        }
    }

    static String sha256(X509Certificate certificate) {
        try {
            return Digests.sha256(certificate.getEncoded()).toLowerCase(Locale.ROOT);
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Element child(Element parent, String localName) {
        List<Element> found = parent == null ? List.of() : children(parent, localName);
        return found.isEmpty() ? null : found.get(0);
    }

    private static List<Element> children(Element parent, String localName) {
        List<Element> found = new ArrayList<>();
        if (parent == null) {
            return found;
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && localName.equals(e.getLocalName())) {
                found.add(e);
            }
        }
        return found;
    }

}
