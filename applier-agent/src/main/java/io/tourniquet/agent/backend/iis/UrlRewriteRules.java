package io.tourniquet.agent.backend.iis;

import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.BlockResponse;
import io.tourniquet.schemas.RequestCondition;
import io.tourniquet.schemas.RewriteResponseHeader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * Adds and removes IIS URL Rewrite rules in a web.config the way IIS stores them (inbound:
 * {@code system.webServer/rewrite/rules/rule} with name, stopProcessing, match, conditions, action; outbound:
 * {@code rewrite/outboundRules/rule} rewriting a response header), editing the text in
 * place so that the rest of the file stays byte for byte. Rules go in a top-level {@code <system.webServer>}
 * (not one inside {@code <location>}), which is where Exchange's EM service put M1.1.
 */
public final class UrlRewriteRules {

    private static final String INDENT = "    ";
    private static final String INBOUND = "rules";
    private static final String OUTBOUND = "outboundRules";

    private UrlRewriteRules() {
    }

    /**
     * The server variable a Tourniquet rule sets when it matches ({@code blocked:<mitigation>} or
     * {@code would-block:<mitigation>}); IIS writes it to the site's W3C log as a custom field, where {@link IisLog}
     * counts it. URL Rewrite sets only variables allowed at the server level, which {@link IisLogFieldSetup} does.
     */
    public static final String LOG_MARK_VARIABLE = "TOURNIQUET_RULE";

    /** How a request-blocking rule goes in: enforcing or log-only (shadow mode), and the mark it leaves when it matches ("" for none). */
    public record Deployment(boolean logOnly, String logMark) {

        /** Enforcing and unmarked: the rule as Exchange's EM service writes it (and response-header rules, never marked). */
        public static final Deployment UNMARKED = new Deployment(false, "");

        public static Deployment enforcing(String logMark) {
            return new Deployment(false, logMark);
        }

        public static Deployment logOnly(String logMark) {
            return new Deployment(true, logMark);
        }
    }

    /** A rule as IIS understands it, with IIS's defaults filled in, to compare rules written by different tools. */
    public record Rule(String name, boolean stopProcessing, String matchUrl, String logicalGrouping, List<Condition> conditions, String action,
            String logMark) {

        /** The rule as it acts on requests, whatever it writes to the log. */
        public Rule withoutLogMark() {
            return new Rule(name, stopProcessing, matchUrl, logicalGrouping, conditions, action, "");
        }
    }

    /** An outbound rule: the response server variable it rewrites, its conditions and the new value. */
    public record OutboundRule(String name, String serverVariable, String pattern, List<Condition> conditions, String value) {
    }

    /** One condition, defaults filled in. */
    public record Condition(String input, String matchType, String pattern, boolean ignoreCase, boolean negate) {
    }

    /** @return the configuration with the inbound rule in force as deployed (a rule of the same name replaced in place); unchanged if it already is */
    public static String apply(String config, BlockRequests rule, Deployment deployment) {
        return apply(config, INBOUND, rule.getRuleName(), (indent, nl) -> ruleXml(rule, deployment, indent, nl),
                node -> read(node).equals(expected(rule, deployment)));
    }

    /** The same for an outbound rule that appends a value to a response header (M2.1). */
    public static String apply(String config, RewriteResponseHeader rule) {
        return apply(config, OUTBOUND, rule.getRuleName(), (indent, nl) -> outboundRuleXml(rule, indent, nl),
                node -> readOutbound(node).equals(expected(rule)));
    }

    private static String apply(String config, String section, String ruleName, BiFunction<String, String, String> xml,
            Predicate<XmlOutline.Node> alreadyInForce) {
        String nl = newline(config);
        XmlOutline.Node root = XmlOutline.parse(config);
        Optional<XmlOutline.Node> existing = ruleNode(root, section, ruleName);
        if (existing.isPresent()) {
            if (alreadyInForce.test(existing.get())) {
                return config; // already in force, in its place: rule order matters to IIS
            }
            XmlOutline.Node old = existing.get();
            return config.substring(0, old.start) + xml.apply(indentOf(config, old.start), nl) + config.substring(old.end);
        }
        Optional<XmlOutline.Node> rules = topLevelSection(root, section);
        if (rules.isPresent()) {
            XmlOutline.Node r = rules.get();
            String indent = indentOf(config, r.start) + INDENT;
            int at = r.children.isEmpty() ? r.startTagEnd : r.children.get(r.children.size() - 1).end;
            return insert(config, at, nl + indent + xml.apply(indent, nl));
        }
        Optional<XmlOutline.Node> rewrite = root.children("system.webServer").stream()
                .flatMap(ws -> ws.child("rewrite").stream()).reduce((a, b) -> b);
        if (rewrite.isPresent() && rewrite.get().innerEnd > rewrite.get().startTagEnd) {
            XmlOutline.Node rw = rewrite.get();
            String indent = indentOf(config, rw.start) + INDENT;
            int at = rw.children.isEmpty() ? rw.startTagEnd : rw.children.get(rw.children.size() - 1).end;
            return insert(config, at, nl + indent + sectionXml(section, xml, indent, nl));
        }
        Optional<XmlOutline.Node> webServer = root.children("system.webServer").stream().reduce((a, b) -> b);
        if (webServer.isPresent() && webServer.get().innerEnd > webServer.get().startTagEnd) {
            XmlOutline.Node ws = webServer.get();
            String indent = indentOf(config, ws.start) + INDENT;
            int at = ws.children.isEmpty() ? ws.startTagEnd : ws.children.get(ws.children.size() - 1).end;
            return insert(config, at, nl + indent + rewriteXml(section, xml, indent, nl));
        }
        return insert(config, lineStart(config, root.innerEnd), INDENT + "<system.webServer>" + nl + INDENT + INDENT
                + rewriteXml(section, xml, INDENT + INDENT, nl) + nl + INDENT + "</system.webServer>" + nl);
    }

    /**
     * Removes the rule, and the {@code rewrite} and {@code system.webServer} elements that held nothing else, so that
     * removing what {@link #apply} added gives back the original file.
     */
    public static String remove(String config, String ruleName) {
        XmlOutline.Node root = XmlOutline.parse(config);
        String section = ruleNode(root, INBOUND, ruleName).isPresent() ? INBOUND : OUTBOUND;
        Optional<XmlOutline.Node> rules = topLevelSection(root, section);
        Optional<XmlOutline.Node> rule = ruleNode(root, section, ruleName);
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
        return ruleNode(XmlOutline.parse(config), INBOUND, ruleName).map(UrlRewriteRules::read);
    }

    /** The outbound rule of that name, as IIS would read it. */
    public static Optional<OutboundRule> findOutbound(String config, String ruleName) {
        return ruleNode(XmlOutline.parse(config), OUTBOUND, ruleName).map(UrlRewriteRules::readOutbound);
    }

    public static OutboundRule expected(RewriteResponseHeader rule) {
        return readOutbound(XmlOutline.parse(outboundRuleXml(rule, "", "\n")));
    }

    private static Optional<XmlOutline.Node> ruleNode(XmlOutline.Node root, String section, String ruleName) {
        return topLevelSection(root, section).flatMap(rules -> rules.children("rule").stream()
                .filter(n -> n.attribute("name").map(UrlRewriteRules::unescape).orElse("").equals(ruleName)).findFirst());
    }

    private static OutboundRule readOutbound(XmlOutline.Node rule) {
        Optional<XmlOutline.Node> match = rule.child("match");
        List<Condition> conditions = conditions(rule);
        return new OutboundRule(rule.attribute("name").map(UrlRewriteRules::unescape).orElse(""),
                match.flatMap(m -> m.attribute("serverVariable")).orElse(""),
                match.flatMap(m -> m.attribute("pattern")).map(UrlRewriteRules::unescape).orElse(""), conditions,
                rule.child("action").flatMap(a -> a.attribute("value")).map(UrlRewriteRules::unescape).orElse(""));
    }

    static String outboundRuleXml(RewriteResponseHeader rule, String indent, String nl) {
        String variable = "RESPONSE_" + rule.getHeaderName().replace('-', '_');
        return "<rule name=\"" + escape(rule.getRuleName()) + "\">" + nl
                + indent + INDENT + "<match serverVariable=\"" + escape(variable) + "\" pattern=\"(.*)\" />" + nl
                + indent + INDENT + "<conditions>" + nl
                + indent + INDENT + INDENT + "<add input=\"{REQUEST_URI}\" pattern=\"" + escape(rule.getPathPattern()) + "\" />" + nl
                + indent + INDENT + INDENT + "<add input=\"{RESPONSE_CONTENT_TYPE}\" pattern=\"" + escape(rule.getContentTypePattern()) + "\" />" + nl
                + indent + INDENT + "</conditions>" + nl
                + indent + INDENT + "<action type=\"Rewrite\" value=\"{R:1}; " + escape(rule.getAppendValue()) + "\" />" + nl
                + indent + "</rule>";
    }

    /** What the definition's rule, enforcing and unmarked, means to IIS. */
    public static Rule expected(BlockRequests rule) {
        return expected(rule, Deployment.UNMARKED);
    }

    /** What the definition's rule, so deployed, means to IIS: used to check that the rule in the file is the one we wrote. */
    public static Rule expected(BlockRequests rule, Deployment deployment) {
        return read(XmlOutline.parse(ruleXml(rule, deployment, "", "\n")));
    }

    private static Rule read(XmlOutline.Node rule) {
        String matchUrl = rule.child("match").flatMap(m -> m.attribute("url")).map(UrlRewriteRules::unescape).orElse("");
        Optional<XmlOutline.Node> conditions = rule.child("conditions");
        List<Condition> list = conditions(rule);
        String action = rule.child("action").map(a -> a.attribute("type").orElse("") + a.attribute("statusCode").map(s -> ":" + s).orElse(""))
                .orElse("");
        String logMark = rule.child("serverVariables").stream().flatMap(v -> v.children("set").stream())
                .filter(set -> set.attribute("name").orElse("").equalsIgnoreCase(LOG_MARK_VARIABLE))
                .map(set -> set.attribute("value").map(UrlRewriteRules::unescape).orElse("")).findFirst().orElse("");
        return new Rule(rule.attribute("name").map(UrlRewriteRules::unescape).orElse(""),
                rule.attribute("stopProcessing").orElse("false").equalsIgnoreCase("true"), matchUrl,
                conditions.flatMap(c -> c.attribute("logicalGrouping")).orElse("MatchAll"), list, action, logMark);
    }

    /** A rule's conditions with IIS's defaults filled in (matchType Pattern, ignoreCase true, negate false). */
    private static List<Condition> conditions(XmlOutline.Node rule) {
        List<Condition> list = new ArrayList<>();
        rule.child("conditions").ifPresent(c -> c.children("add").forEach(add -> list.add(new Condition(
                add.attribute("input").map(UrlRewriteRules::unescape).orElse(""),
                add.attribute("matchType").orElse("Pattern"),
                add.attribute("pattern").map(UrlRewriteRules::unescape).orElse(""),
                !add.attribute("ignoreCase").orElse("true").equalsIgnoreCase("false"),
                add.attribute("negate").orElse("false").equalsIgnoreCase("true")))));
        return list;
    }

    /**
     * Enforcing: stopProcessing, so that an exploit request goes no further. Log-only: action None and no
     * stopProcessing, so the request goes on through the other rules as if this one were absent, only marked.
     */
    static String ruleXml(BlockRequests rule, Deployment deployment, String indent, String nl) {
        StringBuilder xml = new StringBuilder();
        xml.append("<rule name=\"").append(escape(rule.getRuleName())).append('"').append(deployment.logOnly() ? "" : " stopProcessing=\"true\"")
                .append(">").append(nl);
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
        if (!deployment.logMark().isEmpty()) {
            xml.append(indent).append(INDENT).append("<serverVariables>").append(nl);
            xml.append(indent).append(INDENT).append(INDENT).append("<set name=\"").append(LOG_MARK_VARIABLE).append("\" value=\"")
                    .append(escape(deployment.logMark())).append("\" />").append(nl);
            xml.append(indent).append(INDENT).append("</serverVariables>").append(nl);
        }
        xml.append(indent).append(INDENT).append(deployment.logOnly() ? "<action type=\"None\" />" : rule.getResponse() == BlockResponse.FORBIDDEN
                ? "<action type=\"CustomResponse\" statusCode=\"403\" statusReason=\"Forbidden\" statusDescription=\"Blocked by Tourniquet\" />"
                : "<action type=\"AbortRequest\" />").append(nl);
        xml.append(indent).append("</rule>");
        return xml.toString();
    }

    private static String sectionXml(String section, BiFunction<String, String, String> rule, String indent, String nl) {
        return "<" + section + ">" + nl + indent + INDENT + rule.apply(indent + INDENT, nl) + nl + indent + "</" + section + ">";
    }

    private static String rewriteXml(String section, BiFunction<String, String, String> rule, String indent, String nl) {
        return "<rewrite>" + nl + indent + INDENT + sectionXml(section, rule, indent + INDENT, nl) + nl + indent + "</rewrite>";
    }

    private static Optional<XmlOutline.Node> topLevelSection(XmlOutline.Node root, String section) {
        return root.children("system.webServer").stream()
                .flatMap(ws -> ws.child("rewrite").flatMap(rw -> rw.child(section)).stream())
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
