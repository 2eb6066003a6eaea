package dev.vigil.agent.javaagent;

import dev.vigil.events.MetricEvent;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Names inbound requests {@code METHOD /route} with bounded cardinality whatever the URLs: a matched
 * framework pattern is used as it is; otherwise path segments that are identifiers (all digits, a UUID,
 * 16 or more hex digits, or longer than 64 characters) become {@code {id}}. Unknown methods become
 * {@code OTHER}. Once {@code maxRoutes} distinct names have been seen, any new one is recorded as
 * {@code METHOD /{other}}, so a client that invents paths cannot grow the job's state.
 */
final class RouteNames {

    static final String ID = "{id}";
    static final String OTHER = "/{other}";
    private static final Set<String> METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT");

    private final int maxRoutes;
    /**
     * Every name handed out, each mapped to itself: callers get the one instance of a name, so the ring
     * holds no new string per request and the sender finds it in its batch's name table by identity,
     * its hash code already computed.
     */
    private final ConcurrentHashMap<String, String> known = new ConcurrentHashMap<>();

    RouteNames(int maxRoutes) {
        this.maxRoutes = maxRoutes;
    }

    String name(String method, String path, String pattern) {
        String verb = method != null && METHODS.contains(method) ? method : "OTHER";
        String route = pattern != null && !pattern.isEmpty() ? pattern : template(path);
        String name = verb + " " + route;
        String canonical = known.get(name);
        if (canonical != null) {
            return canonical;
        }
        if (name.length() > MetricEvent.MAX_NAME_LENGTH || known.size() >= maxRoutes) {
            String other = verb + " " + OTHER;
            return known.getOrDefault(other, other);
        }
        canonical = known.putIfAbsent(name, name);
        return canonical != null ? canonical : name;
    }

    /** The path with every identifier segment replaced by {@value #ID}; no query string. */
    static String template(String path) {
        if (path == null || path.isEmpty()) {
            return "/";
        }
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        StringBuilder out = null;
        int start = 0;
        int n = path.length();
        while (start <= n) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = n;
            }
            if (end > start && isIdentifier(path, start, end)) {
                if (out == null) {
                    out = new StringBuilder(n).append(path, 0, start);
                }
                out.append(ID);
            } else if (out != null) {
                out.append(path, start, end);
            }
            if (end < n && out != null) {
                out.append('/');
            }
            start = end + 1;
        }
        return out == null ? path : out.toString();
    }

    private static boolean isIdentifier(String s, int from, int to) {
        int len = to - from;
        if (len > 64) {
            return true;
        }
        boolean digits = true;
        boolean hex = true;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            boolean digit = c >= '0' && c <= '9';
            digits &= digit;
            hex &= digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        }
        return digits || (hex && len >= 16) || isUuid(s, from, len);
    }

    private static boolean isUuid(String s, int from, int len) {
        if (len != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(from + i);
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    return false;
                }
            } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                return false;
            }
        }
        return true;
    }
}
