package dev.vigil.agent.javaagent;

import java.util.Locale;

/**
 * The name of a query event: the statement's verb and the first table it works on, nothing from its
 * literals ({@code SELECT items}, {@code INSERT orders}, {@code UPDATE public.accounts}). Comments, string
 * literals (also PostgreSQL's dollar quoting) and quoted identifiers are read as the database reads
 * them, so a {@code FROM} inside a literal never names a table. A {@code WITH} names its main statement.
 * Statements without a table ({@code BEGIN}, {@code SET …}) are their verb alone; {@code CALL} names the
 * procedure. The result is bounded: only keywords and identifiers of the statement's schema appear.
 */
final class SqlFingerprint {

    private static final int MAX_IDENTIFIER = 64;

    private SqlFingerprint() {
    }

    static String of(String sql) {
        if (sql == null) {
            return "UNKNOWN";
        }
        Tokens tokens = new Tokens(sql);
        String verb = tokens.nextWord();
        if (verb == null) {
            return "UNKNOWN";
        }
        verb = verb.toUpperCase(Locale.ROOT);
        if (verb.equals("WITH")) {
            String main = tokens.nextTopLevelWord("SELECT", "INSERT", "UPDATE", "DELETE", "MERGE");
            if (main == null) {
                return "WITH";
            }
            verb = main.toUpperCase(Locale.ROOT);
        }
        String table;
        switch (verb) {
            case "SELECT":
            case "DELETE":
                table = tokens.identifierAfter("FROM");
                break;
            case "INSERT":
            case "MERGE":
            case "REPLACE":
                table = tokens.identifierAfter("INTO");
                break;
            case "UPDATE":
            case "CALL":
            case "TRUNCATE":
                table = tokens.nextIdentifier();
                if ("TABLE".equalsIgnoreCase(table) || "ONLY".equalsIgnoreCase(table)) {
                    table = tokens.nextIdentifier();
                }
                break;
            default:
                table = null;
        }
        return table == null ? verb : verb + " " + table;
    }

    /** A reader over SQL text that skips what is not a word: whitespace, punctuation, comments, literals. */
    private static final class Tokens {
        private final String s;
        private int pos;
        private int depth;
        private boolean quoted;

        Tokens(String s) {
            this.s = s;
        }

        /** The next bare word, or null at the end. */
        String nextWord() {
            String w;
            while ((w = next()) != null) {
                if (!quoted) {
                    return w;
                }
            }
            return null;
        }

        /** The next word among {@code words} outside parentheses (after a WITH's common table expressions). */
        String nextTopLevelWord(String... words) {
            String w;
            while ((w = next()) != null) {
                if (!quoted && depth == 0) {
                    for (String candidate : words) {
                        if (candidate.equalsIgnoreCase(w)) {
                            return w;
                        }
                    }
                }
            }
            return null;
        }

        /** The identifier after the first top-level {@code keyword}, else after the first one at any depth. */
        String identifierAfter(String keyword) {
            int start = pos;
            int startDepth = depth;
            for (int pass = 0; pass < 2; pass++) {
                pos = start;
                depth = startDepth;
                String w;
                while ((w = next()) != null) {
                    if (!quoted && keyword.equalsIgnoreCase(w) && (pass == 1 || depth == startDepth)) {
                        int before = pos;
                        String table = nextIdentifier();
                        if (!quoted && "select".equals(table)) { // FROM (SELECT …): the inner statement's table
                            pos = before;
                            nextWord();
                            return identifierAfter(keyword);
                        }
                        return table;
                    }
                }
            }
            return null;
        }

        /** The next word as an identifier, with its schema ({@code a.b}); unquoted ones in lower case. */
        String nextIdentifier() {
            String w = next();
            if (w == null) {
                return null;
            }
            StringBuilder name = new StringBuilder(quoted ? w : w.toLowerCase(Locale.ROOT));
            while (pos < s.length() && s.charAt(pos) == '.' && name.length() <= MAX_IDENTIFIER) {
                pos++;
                String part = next();
                if (part == null) {
                    break;
                }
                name.append('.').append(quoted ? part : part.toLowerCase(Locale.ROOT));
            }
            return name.length() > MAX_IDENTIFIER ? name.substring(0, MAX_IDENTIFIER) : name.toString();
        }

        /** The next word or quoted identifier; null at the end. Tracks parenthesis depth. */
        private String next() {
            int n = s.length();
            while (pos < n) {
                char c = s.charAt(pos);
                if (c == '-' && pos + 1 < n && s.charAt(pos + 1) == '-') {
                    int eol = s.indexOf('\n', pos);
                    pos = eol < 0 ? n : eol + 1;
                } else if (c == '/' && pos + 1 < n && s.charAt(pos + 1) == '*') {
                    int end = s.indexOf("*/", pos + 2);
                    pos = end < 0 ? n : end + 2;
                } else if (c == '\'') {
                    skipQuoted('\'');
                } else if (c == '$' && dollarQuote()) {
                    // skipped
                } else if (c == '"' || c == '`' || c == '[') {
                    char close = c == '[' ? ']' : c;
                    int end = s.indexOf(close, pos + 1);
                    String w = s.substring(pos + 1, end < 0 ? n : end);
                    pos = end < 0 ? n : end + 1;
                    quoted = true;
                    return w;
                } else if (Character.isLetter(c) || c == '_') {
                    int start = pos;
                    while (pos < n && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_' || s.charAt(pos) == '$')) {
                        pos++;
                    }
                    quoted = false;
                    return s.substring(start, pos);
                } else {
                    if (c == '(') {
                        depth++;
                    } else if (c == ')') {
                        depth--;
                    }
                    pos++;
                }
            }
            return null;
        }

        private void skipQuoted(char quote) {
            int n = s.length();
            pos++;
            while (pos < n) {
                if (s.charAt(pos) == quote) {
                    if (pos + 1 < n && s.charAt(pos + 1) == quote) {
                        pos += 2; // an escaped quote
                        continue;
                    }
                    pos++;
                    return;
                }
                pos++;
            }
        }

        /** Skips a PostgreSQL dollar-quoted string ({@code $$…$$}, {@code $tag$…$tag$}) at pos, if one starts there. */
        private boolean dollarQuote() {
            int n = s.length();
            int tagEnd = pos + 1;
            while (tagEnd < n && (Character.isLetterOrDigit(s.charAt(tagEnd)) || s.charAt(tagEnd) == '_')) {
                tagEnd++;
            }
            if (tagEnd >= n || s.charAt(tagEnd) != '$' || (tagEnd > pos + 1 && Character.isDigit(s.charAt(pos + 1)))) {
                pos++; // a positional parameter ($1) or a stray dollar
                return true;
            }
            String tag = s.substring(pos, tagEnd + 1);
            int end = s.indexOf(tag, tagEnd + 1);
            pos = end < 0 ? n : end + tag.length();
            return true;
        }
    }
}
