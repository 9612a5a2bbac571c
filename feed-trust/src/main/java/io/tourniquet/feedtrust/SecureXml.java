package io.tourniquet.feedtrust;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.xml.sax.SAXException;

/**
 * Parses untrusted XML: no DTD at all (so no external entities and no entity expansion), no XInclude, no network,
 * a size limit before parsing.
 */
final class SecureXml {

    private SecureXml() {
    }

    static Document parse(byte[] xml, int maxBytes) {
        if (xml.length > maxBytes) {
            throw new InvalidFeedException(InvalidFeedException.Reason.TOO_LARGE, "document too large: " + xml.length + " bytes, limit " + maxBytes);
        }
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null);
            return builder.parse(new ByteArrayInputStream(xml));
        } catch (SAXException e) {
            if (String.valueOf(e.getMessage()).contains("DOCTYPE")) {
                throw new InvalidFeedException(InvalidFeedException.Reason.FORBIDDEN_DTD,
                        "document declares a DTD, which feeds may not (external entities, entity expansion)", e);
            }
            throw new InvalidFeedException(InvalidFeedException.Reason.MALFORMED, "malformed XML: " + e.getMessage(), e);
        } catch (IOException | ParserConfigurationException e) {
            throw new InvalidFeedException(InvalidFeedException.Reason.MALFORMED, "unreadable XML: " + e.getMessage(), e);
        }
    }
}
