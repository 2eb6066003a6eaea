package dev.vigil.sinks.redis;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * A Redis address, parsed once: {@code redis://HOST:PORT}, or {@code rediss://USER:PASSWORD@HOST:PORT}
 * for TLS.
 *
 * @param uri the URI for the client, credentials included
 */
public record RedisUrl(URI uri) implements Serializable {

    /** @throws IllegalArgumentException saying what is wrong with {@code url} */
    public static RedisUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("Redis URL is empty");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("malformed Redis URL: " + e.getReason());
        }
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
            throw new IllegalArgumentException("not a Redis URL (expected redis://HOST:PORT or rediss://USER:PASSWORD@HOST:PORT): "
                    + mask(uri));
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("Redis URL has no host: " + mask(uri));
        }
        return new RedisUrl(uri);
    }

    /**
     * The same address with {@code password} (replacing any in the URL), keeping its user if it has one:
     * for a password read from a file or the environment rather than written on a command line.
     */
    public RedisUrl withPassword(String password) {
        String user = uri.getUserInfo() == null ? "" : uri.getUserInfo().split(":", 2)[0];
        try {
            return new RedisUrl(new URI(uri.getScheme(), user + ":" + password, uri.getHost(), uri.getPort(),
                    uri.getPath(), uri.getQuery(), uri.getFragment()));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("the Redis password cannot be put into a URL: " + e.getReason());
        }
    }

    /** The URL with its password masked: {@link #uri()} is for the client only, never for a message. */
    @Override
    public String toString() {
        return mask(uri);
    }

    private static String mask(URI uri) {
        String s = uri.toString();
        return s.replaceAll("(//[^:/@]*:)[^@/]*@", "$1***@");
    }
}
