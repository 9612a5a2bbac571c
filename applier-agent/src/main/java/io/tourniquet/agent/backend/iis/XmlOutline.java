package io.tourniquet.agent.backend.iis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where each element of an XML text starts and ends, by character offset, so that a configuration file can be edited
 * in place: everything outside the edited element stays byte for byte as IIS (or an admin) wrote it. Comments,
 * processing instructions and CDATA are skipped; a document with a DOCTYPE is refused.
 */
final class XmlOutline {

    /** An element: where its start tag begins and ends, where its end tag begins ({@code innerEnd}) and ends ({@code end}). */
    static final class Node {
        final String name;
        final int start;
        final int startTagEnd;
        final String startTag;
        final List<Node> children = new ArrayList<>();
        int innerEnd;
        int end;

        Node(String name, int start, int startTagEnd, String startTag) {
            this.name = name;
            this.start = start;
            this.startTagEnd = startTagEnd;
            this.startTag = startTag;
        }

        Optional<Node> child(String childName) {
            return children.stream().filter(c -> c.name.equals(childName)).findFirst();
        }

        List<Node> children(String childName) {
            return children.stream().filter(c -> c.name.equals(childName)).toList();
        }

        Optional<String> attribute(String attribute) {
            Matcher m = Pattern.compile("\\s" + Pattern.quote(attribute) + "\\s*=\\s*(\"([^\"]*)\"|'([^']*)')").matcher(startTag);
            return m.find() ? Optional.of(m.group(2) != null ? m.group(2) : m.group(3)) : Optional.empty();
        }
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z_:][-A-Za-z0-9_.:]*");

    private XmlOutline() {
    }

    static Node parse(String xml) {
        Deque<Node> open = new ArrayDeque<>();
        Node root = null;
        int i = 0;
        while ((i = xml.indexOf('<', i)) >= 0) {
            if (xml.startsWith("<!--", i)) {
                i = after(xml, "-->", i);
            } else if (xml.startsWith("<?", i)) {
                i = after(xml, "?>", i);
            } else if (xml.startsWith("<![CDATA[", i)) {
                i = after(xml, "]]>", i);
            } else if (xml.startsWith("<!", i)) {
                throw new IllegalArgumentException("DOCTYPE declarations are not accepted in configuration files");
            } else if (xml.startsWith("</", i)) {
                int close = after(xml, ">", i);
                String name = xml.substring(i + 2, close - 1).strip();
                if (open.isEmpty() || !open.peek().name.equals(name)) {
                    throw new IllegalArgumentException("</" + name + "> at offset " + i + " closes nothing open");
                }
                Node node = open.pop();
                node.innerEnd = i;
                node.end = close;
                if (open.isEmpty()) {
                    root = node;
                }
                i = close;
            } else {
                int close = tagEnd(xml, i);
                String tag = xml.substring(i, close);
                Matcher m = NAME.matcher(tag).region(1, tag.length());
                if (!m.lookingAt()) {
                    throw new IllegalArgumentException("malformed tag at offset " + i);
                }
                Node node = new Node(m.group(), i, close, tag);
                if (!open.isEmpty()) {
                    open.peek().children.add(node);
                }
                if (tag.endsWith("/>")) {
                    node.innerEnd = close;
                    node.end = close;
                    if (open.isEmpty()) {
                        root = node;
                    }
                } else {
                    open.push(node);
                }
                i = close;
            }
        }
        if (!open.isEmpty() || root == null) {
            throw new IllegalArgumentException("unbalanced document: <" + (open.isEmpty() ? "?" : open.peek().name) + "> is not closed");
        }
        return root;
    }

    private static int tagEnd(String xml, int from) {
        char quote = 0;
        for (int i = from + 1; i < xml.length(); i++) {
            char c = xml.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '>') {
                return i + 1;
            }
        }
        throw new IllegalArgumentException("unterminated tag at offset " + from);
    }

    private static int after(String xml, String terminator, int from) {
        int end = xml.indexOf(terminator, from);
        if (end < 0) {
            throw new IllegalArgumentException("unterminated markup at offset " + from);
        }
        return end + terminator.length();
    }
}
