package dev.hipt.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates a request whose {@code X-API-Key} hashes to a configured {@code key-sha256}. The presented key is
 * hashed and compared with every configured hash in constant time, so timing tells nothing about which bytes
 * matched. An absent or unknown key leaves the request anonymous: the authorization rules then answer 401.
 */
class ApiKeyAuthenticationFilter extends OncePerRequestFilter {

    static final String HEADER = "X-API-Key";

    private static final Logger log = LoggerFactory.getLogger(ApiKeyAuthenticationFilter.class);

    private final List<Entry> keys;

    ApiKeyAuthenticationFilter(SecurityProperties properties) {
        List<Entry> entries = new ArrayList<>();
        for (SecurityProperties.ApiKey key : properties.apiKeys()) {
            entries.add(Entry.of(key));
        }
        this.keys = List.copyOf(entries);
    }

    boolean hasKeys() {
        return !keys.isEmpty();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String presented = request.getHeader(HEADER);
        if (presented != null && !presented.isEmpty()) {
            Entry match = find(sha256(presented.getBytes(StandardCharsets.UTF_8)));
            if (match != null) {
                var context = SecurityContextHolder.createEmptyContext();
                context.setAuthentication(new ApiKeyAuthentication(match.name(), match.authorities()));
                SecurityContextHolder.setContext(context);
            } else {
                log.debug("Rejected an unknown API key on {} {}", request.getMethod(), request.getRequestURI());
            }
        }
        try {
            chain.doFilter(request, response);
        } finally {
            SecurityContextHolder.clearContext();
        }
    }

    /** Checks every entry whatever matched earlier: the time taken does not depend on which key matched. */
    private Entry find(byte[] hash) {
        Entry found = null;
        for (Entry entry : keys) {
            if (MessageDigest.isEqual(entry.sha256(), hash) && found == null) {
                found = entry;
            }
        }
        return found;
    }

    static byte[] sha256(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private record Entry(String name, byte[] sha256, List<GrantedAuthority> authorities) {

        static Entry of(SecurityProperties.ApiKey key) {
            if (key.keySha256() == null || !key.keySha256().strip().matches("[0-9a-fA-F]{64}")) {
                throw new IllegalStateException("hipt.security.api-keys entry '" + key.name()
                        + "': key-sha256 must be 64 hex digits (printf %s 'the-key' | sha256sum)");
            }
            if (key.role() == null) {
                throw new IllegalStateException("hipt.security.api-keys entry '" + key.name()
                        + "': role must be CLIENT or ADMIN (or METRICS, a key that may only scrape metrics)");
            }
            List<GrantedAuthority> authorities = switch (key.role()) {
                case ADMIN -> List.of(new SimpleGrantedAuthority("ROLE_ADMIN"),
                        new SimpleGrantedAuthority("ROLE_CLIENT"));
                case CLIENT -> List.of(new SimpleGrantedAuthority("ROLE_CLIENT"));
                case METRICS -> List.of(new SimpleGrantedAuthority("ROLE_METRICS"));
            };
            String name = key.name() == null || key.name().isBlank() ? "unnamed" : key.name();
            return new Entry(name, HexFormat.of().parseHex(key.keySha256().strip().toLowerCase()), authorities);
        }
    }

    /** An authenticated caller: its principal is the key's configured name, never the key itself. */
    static final class ApiKeyAuthentication extends AbstractAuthenticationToken {

        private final String name;

        ApiKeyAuthentication(String name, List<GrantedAuthority> authorities) {
            super(authorities);
            this.name = name;
            setAuthenticated(true);
        }

        @Override
        public Object getCredentials() {
            return "";
        }

        @Override
        public Object getPrincipal() {
            return name;
        }
    }
}
