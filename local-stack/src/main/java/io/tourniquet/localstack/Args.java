package io.tourniquet.localstack;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Command-line arguments of the CLI's subcommands: --name=value options and positional words. */
final class Args {

    private Args() {
    }

    static Map<String, String> options(List<String> args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            if (arg.startsWith("--")) {
                String[] kv = arg.split("=", 2);
                options.put(kv[0], kv.length == 2 ? kv[1] : "true");
            }
        }
        return options;
    }

    static List<String> positionals(List<String> args) {
        return args.stream().filter(a -> !a.startsWith("--")).toList();
    }

    static String positional(List<String> args, String usage) {
        return args.stream().filter(a -> !a.startsWith("--")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("usage: ./tourniquet " + usage));
    }

    static String required(Map<String, String> options, String name, String what) {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required: " + what);
        }
        return value;
    }
}
