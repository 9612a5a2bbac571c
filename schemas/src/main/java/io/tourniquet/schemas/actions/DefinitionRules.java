package io.tourniquet.schemas.actions;

import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.RequestCondition;
import io.tourniquet.schemas.RewriteResponseHeader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/**
 * What a mitigation definition may contain, checked where it enters (the feed ingestor) and again where it is
 * carried out (the agent), so that neither trusts the other: characters XML cannot hold (they would reach a
 * web.config), oversized fields and lists, patterns that do not compile or that risk catastrophic backtracking.
 */
public final class DefinitionRules {

    static final int MAX_TEXT = 1024;
    static final int MAX_DESCRIPTION = 8192;
    static final int MAX_ACTIONS = 32;
    static final int MAX_CONDITIONS = 16;
    static final int MAX_LIST = 256;
    /**
     * A repeated group holding a quantifier, e.g. (a+)+, (.*)* or (\w+\s?)*: exponential backtracking. A heuristic
     * that errs towards refusing: a definition needing such a pattern can say it without nesting repetitions.
     */
    private static final Pattern NESTED_QUANTIFIER = Pattern.compile("\\((?:[^()\\\\]|\\\\.)*[+*}](?:[^()\\\\]|\\\\.)*\\)\\??[+*{]");
    /** A quantified alternation of which one branch is empty or repeats another, e.g. (a|a)* or (|a)+. */
    private static final Pattern QUANTIFIED_EMPTY_BRANCH = Pattern.compile("\\(\\??:?\\|[^()]*\\)[+*{]|\\([^()]*\\|\\)[+*{]");

    private DefinitionRules() {
    }

    /** Every problem of the definition, in words an operator can act on; empty: it may be carried out. */
    public static List<String> problems(MitigationDefinition definition) {
        List<String> problems = new ArrayList<>();
        text(definition, definition.getId(), problems);
        if (definition.getActions().size() > MAX_ACTIONS) {
            problems.add(definition.getActions().size() + " actions, at most " + MAX_ACTIONS);
        }
        for (Object action : definition.getActions()) {
            switch (ActionType.of(action)) {
                case BLOCK_REQUESTS -> {
                    BlockRequests b = (BlockRequests) action;
                    pattern("matchUrl of " + b.getRuleName(), b.getMatchUrl(), problems);
                    if (b.getConditions().size() > MAX_CONDITIONS) {
                        problems.add(b.getRuleName() + ": " + b.getConditions().size() + " conditions, at most " + MAX_CONDITIONS);
                    }
                    for (RequestCondition c : b.getConditions()) {
                        pattern("condition of " + b.getRuleName(), c.getPattern(), problems);
                    }
                }
                case REWRITE_RESPONSE_HEADER -> {
                    RewriteResponseHeader h = (RewriteResponseHeader) action;
                    pattern("pathPattern of " + h.getRuleName(), h.getPathPattern(), problems);
                    pattern("contentTypePattern of " + h.getRuleName(), h.getContentTypePattern(), problems);
                }
                case DISABLE_SERVICE, DISABLE_APP_POOL, DISABLE_VIRTUAL_DIRECTORY, SET_AUTHENTICATION, HEARTBEAT -> {
                    // names are checked against what Windows and IIS allow by the backends that act on them
                }
            }
        }
        return problems;
    }

    /** @throws IllegalArgumentException naming every problem */
    public static void requireValid(MitigationDefinition definition) {
        List<String> problems = problems(definition);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("definition " + definition.getId() + " refused: " + String.join("; ", problems));
        }
    }

    /** Every string anywhere in the record (nested records, lists, unions), with its field's name. */
    private static void text(IndexedRecord record, String where, List<String> problems) {
        for (Schema.Field field : record.getSchema().getFields()) {
            value(where + "." + field.name(), field.name(), record.get(field.pos()), problems);
        }
    }

    private static void value(String where, String field, Object value, List<String> problems) {
        if (value instanceof CharSequence s) {
            int max = field.equals("description") ? MAX_DESCRIPTION : MAX_TEXT;
            if (s.length() > max) {
                problems.add(where + " is " + s.length() + " characters long, at most " + max);
            }
            int bad = firstNonXmlChar(s);
            if (bad >= 0) {
                problems.add(where + " holds character U+" + String.format("%04X", (int) s.charAt(bad)) + " at " + bad
                        + ", which XML cannot hold");
            }
        } else if (value instanceof IndexedRecord r) {
            text(r, where, problems);
        } else if (value instanceof List<?> list) {
            if (list.size() > MAX_LIST) {
                problems.add(where + " has " + list.size() + " entries, at most " + MAX_LIST);
            }
            for (int i = 0; i < list.size(); i++) {
                value(where + "[" + i + "]", field, list.get(i), problems);
            }
        } else if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> value(where + "[" + k + "]", field, v, problems));
        }
    }

    /** Control characters (other than tab, line feed, carriage return), surrogates alone, U+FFFE and U+FFFF. */
    static int firstNonXmlChar(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
                continue;
            }
            if (!ok) {
                return i;
            }
        }
        return -1;
    }

    private static void pattern(String where, String pattern, List<String> problems) {
        if (pattern == null) {
            return;
        }
        try {
            Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            problems.add(where + ": invalid pattern '" + pattern + "': " + e.getDescription());
            return;
        }
        if (NESTED_QUANTIFIER.matcher(pattern).find() || QUANTIFIED_EMPTY_BRANCH.matcher(pattern).find()) {
            problems.add(where + ": pattern '" + pattern + "' repeats a repeated group, which can take exponential time to match");
        }
    }
}
