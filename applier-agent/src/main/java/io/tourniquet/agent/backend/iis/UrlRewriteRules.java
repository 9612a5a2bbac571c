package io.tourniquet.agent.backend.iis;

import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.BlockResponse;
import io.tourniquet.schemas.RequestCondition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Adds and removes inbound IIS URL Rewrite rules in a web.config the way IIS stores them
 * ({@code system.webServer/rewrite/rules/rule}: name, stopProcessing, match, conditions, action), editing the text in
 * place so that the rest of the file stays byte for byte. Rules go in a top-level {@code <system.webServer>}
 * (not one inside {@code <location>}), which is where Exchange's EM service put M1.1.
 */
public final class UrlRewriteRules {

    private static final String INDENT = "    ";

    private UrlRewriteRules() {
    }

    /** A rule as IIS understands it, with IIS's defaults filled in, to compare rules written by different tools. */
    public record Rule(String name, boolean stopProcessing, String matchUrl, String logicalGrouping, List<Condition> conditions, String action) {
    }

    /** One condition, defaults filled in. */
    public record Condition(String input, String matchType, String pattern, boolean ignoreCase, boolean negate) {
    }

    /** @return the configuration with the rule in force (replacing a rule of the same name); unchanged if it already is */
    public static String apply(String config, BlockRequests rule) {
        String nl = newline(config);
        Optional<XmlOutline.Node> existing = ruleNode(XmlOutline.parse(config), rule.getRuleName());
        if (existing.isPresent()) {
            if (read(existing.get()).equals(expected(rule))) {
                return config; // already in force, in its place: rule order matters to IIS
            }
            XmlOutline.Node old = existing.get();
            return config.substring(0, old.start) + ruleXml(rule, indentOf(config, old.start), nl) + config.substring(old.end);
        }
        String withoutOld = config;
        XmlOutline.Node root = XmlOutline.parse(withoutOld);
        Optional<XmlOutline.Node> rules = topLevelRules(root);
        String result;
        if (rules.isPresent()) {
            XmlOutline.Node r = rules.get();
            int at = r.children.isEmpty() ? r.startTagEnd : r.children.get(r.children.size() - 1).end;
            result = insert(withoutOld, at, nl + indentOf(withoutOld, r.start) + INDENT + ruleXml(rule, indentOf(withoutOld, r.start) + INDENT, nl));
        } else {
            Optional<XmlOutline.Node> webServer = root.children("system.webServer").stream().reduce((a, b) -> b);
            if (webServer.isPresent() && webServer.get().innerEnd > webServer.get().startTagEnd) {
                XmlOutline.Node ws = webServer.get();
                String indent = indentOf(withoutOld, ws.start) + INDENT;
                int at = ws.children.isEmpty() ? ws.startTagEnd : ws.children.get(ws.children.size() - 1).end;
                result = insert(withoutOld, at, nl + indent + rewriteXml(rule, indent, nl));
            } else {
                String indent = INDENT;
                int at = lineStart(withoutOld, root.innerEnd);
                result = insert(withoutOld, at, indent + "<system.webServer>" + nl + indent + INDENT + rewriteXml(rule, indent + INDENT, nl) + nl
                        + indent + "</system.webServer>" + nl);
            }
        }
        return result.equals(config) ? config : result;
    }

    /**
     * Removes the rule, and the {@code rewrite} and {@code system.webServer} elements that held nothing else, so that
     * removing what {@link #apply} added gives back the original file.
     */
    public static String remove(String config, String ruleName) {
        XmlOutline.Node root = XmlOutline.parse(config);
        Optional<XmlOutline.Node> rules = topLevelRules(root);
        Optional<XmlOutline.Node> rule = ruleNode(root, ruleName);
        if (rule.isEmpty()) {
            return config;
        }
        XmlOutline.Node rulesNode = rules.get();
        XmlOutline.Node target = rule.get();
        if (rulesNode.children.size() == 1) {
            XmlOutline.Node rewrite = parentOf(root, rulesNode);
            if (rewrite.children.size() == 1) {
                XmlOutline.Node webServer = parentOf(root, rewrite);
                target = webServer.children.size() == 1 ? webServer : rewrite;
            } else {
                target = rulesNode;
            }
        }
        int from = lineStart(config, target.start);
        int to = target.end;
        if (target.name.equals("system.webServer")) {
            to = config.indexOf('\n', to) + 1; // a block of its own lines
        } else {
            from = from - newline(config).length(); // the line break before it goes too
        }
        return config.substring(0, from) + config.substring(to);
    }

    /** The rule of that name in the top-level rewrite rules, as IIS would read it. */
    public static Optional<Rule> find(String config, String ruleName) {
        return ruleNode(XmlOutline.parse(config), ruleName).map(UrlRewriteRules::read);
    }

    private static Optional<XmlOutline.Node> ruleNode(XmlOutline.Node root, String ruleName) {
        return topLevelRules(root).flatMap(rules -> rules.children("rule").stream()
                .filter(n -> n.attribute("name").map(UrlRewriteRules::unescape).orElse("").equals(ruleName)).findFirst());
    }

    /** What the definition's rule means to IIS: used to check that the rule in the file is the one we wrote. */
    public static Rule expected(BlockRequests rule) {
        return read(XmlOutline.parse(ruleXml(rule, "", "\n")));
    }

    private static Rule read(XmlOutline.Node rule) {
        String matchUrl = rule.child("match").flatMap(m -> m.attribute("url")).map(UrlRewriteRules::unescape).orElse("");
        Optional<XmlOutline.Node> conditions = rule.child("conditions");
        List<Condition> list = new ArrayList<>();
        conditions.ifPresent(c -> c.children("add").forEach(add -> list.add(new Condition(
                add.attribute("input").map(UrlRewriteRules::unescape).orElse(""),
                add.attribute("matchType").orElse("Pattern"),
                add.attribute("pattern").map(UrlRewriteRules::unescape).orElse(""),
                !add.attribute("ignoreCase").orElse("true").equalsIgnoreCase("false"),
                add.attribute("negate").orElse("false").equalsIgnoreCase("true")))));
        String action = rule.child("action").map(a -> a.attribute("type").orElse("") + a.attribute("statusCode").map(s -> ":" + s).orElse(""))
                .orElse("");
        return new Rule(rule.attribute("name").map(UrlRewriteRules::unescape).orElse(""),
                rule.attribute("stopProcessing").orElse("false").equalsIgnoreCase("true"), matchUrl,
                conditions.flatMap(c -> c.attribute("logicalGrouping")).orElse("MatchAll"), list, action);
    }

    static String ruleXml(BlockRequests rule, String indent, String nl) {
        StringBuilder xml = new StringBuilder();
        xml.append("<rule name=\"").append(escape(rule.getRuleName())).append("\" stopProcessing=\"true\">").append(nl);
        xml.append(indent).append(INDENT).append("<match url=\"").append(escape(rule.getMatchUrl())).append("\" />").append(nl);
        xml.append(indent).append(INDENT).append("<conditions").append(rule.getMatchAll() ? "" : " logicalGrouping=\"MatchAny\"").append(">").append(nl);
        for (RequestCondition c : rule.getConditions()) {
            xml.append(indent).append(INDENT).append(INDENT).append("<add input=\"").append(escape(c.getInput()))
                    .append("\" pattern=\"").append(escape(c.getPattern())).append('"')
                    .append(c.getIgnoreCase() ? "" : " ignoreCase=\"false\"")
                    .append(c.getNegate() ? " negate=\"true\"" : "")
                    .append(" />").append(nl);
        }
        xml.append(indent).append(INDENT).append("</conditions>").append(nl);
        xml.append(indent).append(INDENT).append(rule.getResponse() == BlockResponse.FORBIDDEN
                ? "<action type=\"CustomResponse\" statusCode=\"403\" statusReason=\"Forbidden\" statusDescription=\"Blocked by Tourniquet\" />"
                : "<action type=\"AbortRequest\" />").append(nl);
        xml.append(indent).append("</rule>");
        return xml.toString();
    }

    private static String rewriteXml(BlockRequests rule, String indent, String nl) {
        String rulesIndent = indent + INDENT;
        return "<rewrite>" + nl + rulesIndent + "<rules>" + nl + rulesIndent + INDENT + ruleXml(rule, rulesIndent + INDENT, nl) + nl
                + rulesIndent + "</rules>" + nl + indent + "</rewrite>";
    }

    private static Optional<XmlOutline.Node> topLevelRules(XmlOutline.Node root) {
        return root.children("system.webServer").stream()
                .flatMap(ws -> ws.child("rewrite").flatMap(rw -> rw.child("rules")).stream())
                .reduce((a, b) -> b);
    }

    private static XmlOutline.Node parentOf(XmlOutline.Node from, XmlOutline.Node child) {
        for (XmlOutline.Node c : from.children) {
            if (c == child) {
                return from;
            }
            XmlOutline.Node found = parentOf(c, child);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static String insert(String text, int at, String addition) {
        return text.substring(0, at) + addition + text.substring(at);
    }

    private static int lineStart(String text, int offset) {
        return text.lastIndexOf('\n', offset - 1) + 1;
    }

    private static String indentOf(String text, int offset) {
        return text.substring(lineStart(text, offset), offset);
    }

    private static String newline(String text) {
        return text.contains("\r\n") ? "\r\n" : "\n";
    }

    static String escape(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String unescape(String value) {
        return value.replace("&quot;", "\"").replace("&gt;", ">").replace("&lt;", "<").replace("&apos;", "'").replace("&amp;", "&");
    }
}
