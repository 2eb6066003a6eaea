package dev.vigil.sinks.postgres;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * A PostgreSQL address, parsed once from what users write into the JDBC URL the driver needs.
 *
 * <p>Both {@code jdbc:postgresql://host:port/db?user=u&password=p} (what {@code vigil stack} prints)
 * and libpq's {@code postgresql://u:p@host:port/db} (what psql takes) are accepted.
 *
 * @param jdbc the JDBC URL, credentials included
 */
public record PostgresUrl(String jdbc) implements Serializable {

    /** @throws IllegalArgumentException saying what is wrong with {@code url} (its password masked) */
    public static PostgresUrl parse(String url) {
        return new PostgresUrl(toJdbc(url));
    }

    /**
     * The same address with {@code password} (replacing any in the URL): for a password read from a file
     * or the environment rather than written on a command line.
     */
    public PostgresUrl withPassword(String password) {
        String withoutPassword = jdbc.replaceAll("([?&])password=[^&]*&?", "$1").replaceAll("[?&]$", "");
        String separator = withoutPassword.contains("?") ? "&" : "?";
        return new PostgresUrl(withoutPassword + separator + "password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8));
    }

    /** The URL with its password masked: {@link #jdbc()} is for the driver only, never for a message. */
    @Override
    public String toString() {
        return redact(jdbc);
    }

    public static String toJdbc(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("PostgreSQL URL is empty");
        }
        String trimmed = url.trim();
        if (trimmed.startsWith("jdbc:postgresql:")) {
            return trimmed;
        }
        if (!trimmed.startsWith("postgresql://") && !trimmed.startsWith("postgres://")) {
            throw new IllegalArgumentException("not a PostgreSQL URL (expected jdbc:postgresql://HOST:PORT/DB?user=U&password=P "
                    + "or postgresql://U:P@HOST:PORT/DB): " + redact(trimmed));
        }
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("malformed PostgreSQL URL: " + e.getMessage(), e);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("PostgreSQL URL has no host: " + redact(trimmed));
        }
        StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(uri.getHost());
        if (uri.getPort() > 0) {
            jdbc.append(':').append(uri.getPort());
        }
        jdbc.append(uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath());
        StringBuilder query = new StringBuilder();
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            query.append("user=").append(reencode(parts[0]));
            if (parts.length == 2) {
                query.append("&password=").append(reencode(parts[1]));
            }
        }
        if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
            if (query.length() > 0) {
                query.append('&');
            }
            query.append(uri.getRawQuery());
        }
        if (query.length() > 0) {
            jdbc.append('?').append(query);
        }
        return jdbc.toString();
    }

    /** The URL with any password replaced by {@code ***}, for messages and logs. */
    public static String redact(String url) {
        return url.replaceAll("(password=)[^&]*", "$1***").replaceAll("(//[^:/@]+:)[^@/]*@", "$1***@");
    }

    private static String reencode(String raw) {
        return URLEncoder.encode(URLDecoder.decode(raw, StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }
}
