package dev.hipt.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

class ApiKeyAuthenticationFilterTests {

    // printf %s test-client-key | sha256sum
    private static final String CLIENT_SHA = "5ce15761d99d8887142d76d3f44fc2045ace53e646a6e90c923aa2febc0d10e1";
    // printf %s test-admin-key | sha256sum
    private static final String ADMIN_SHA = "944650a7cd0f9e14d5c4fb15edbffb7fa45fb9ed36a4fa9be3d7e5476ae51bd9";

    private final ApiKeyAuthenticationFilter filter = new ApiKeyAuthenticationFilter(new SecurityProperties(List.of(
            new SecurityProperties.ApiKey("lims", SecurityProperties.Role.CLIENT, CLIENT_SHA),
            new SecurityProperties.ApiKey("ops", SecurityProperties.Role.ADMIN, ADMIN_SHA.toUpperCase()))));

    @Test
    void authenticatesAConfiguredKeyWithItsRole() throws Exception {
        Authentication client = authenticate(filter, "test-client-key");
        assertThat(client.getName()).isEqualTo("lims");
        assertThat(client.getAuthorities()).extracting(GrantedAuthority::getAuthority).containsExactly("ROLE_CLIENT");

        Authentication admin = authenticate(filter, "test-admin-key");
        assertThat(admin.getAuthorities()).extracting(GrantedAuthority::getAuthority)
                .containsExactlyInAnyOrder("ROLE_ADMIN", "ROLE_CLIENT");
    }

    @Test
    void leavesUnknownOrMissingKeysAnonymous() throws Exception {
        assertThat(authenticate(filter, "test-client-key ")).isNull();
        assertThat(authenticate(filter, CLIENT_SHA)).as("the hash itself is not the key").isNull();
        assertThat(authenticate(filter, null)).isNull();
    }

    @Test
    void withNoKeysConfiguredNobodyIsAuthenticated() throws Exception {
        ApiKeyAuthenticationFilter closed = new ApiKeyAuthenticationFilter(new SecurityProperties(null));
        assertThat(closed.hasKeys()).isFalse();
        assertThat(authenticate(closed, "test-client-key")).isNull();
    }

    @Test
    void refusesMalformedConfigurationAtStartup() {
        assertThatThrownBy(() -> new ApiKeyAuthenticationFilter(new SecurityProperties(List.of(
                new SecurityProperties.ApiKey("lims", SecurityProperties.Role.CLIENT, "test-client-key")))))
                .hasMessageContaining("key-sha256 must be 64 hex digits");
        assertThatThrownBy(() -> new ApiKeyAuthenticationFilter(new SecurityProperties(List.of(
                new SecurityProperties.ApiKey("lims", null, CLIENT_SHA)))))
                .hasMessageContaining("role must be CLIENT or ADMIN");
    }

    private static Authentication authenticate(ApiKeyAuthenticationFilter filter, String key) throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/slides");
        if (key != null) {
            request.addHeader(ApiKeyAuthenticationFilter.HEADER, key);
        }
        AtomicReference<Authentication> seen = new AtomicReference<>();
        filter.doFilter(request, new MockHttpServletResponse(),
                (req, res) -> seen.set(SecurityContextHolder.getContext().getAuthentication()));
        return seen.get();
    }
}
