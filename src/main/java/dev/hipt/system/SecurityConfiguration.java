package dev.hipt.system;

import jakarta.servlet.DispatcherType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Stateless API-key security: {@code /api/v1/admin/**} needs role ADMIN, the rest of {@code /api/**} role CLIENT
 * (ADMIN keys have both); health, info and the OpenAPI documents are open (health details and the models' reasons
 * only for callers with a key), the viewer page and its scripts (which send a key with every API call), Prometheus
 * metrics too unless {@code hipt.security.metrics-public=false}, which leaves them to METRICS and ADMIN keys. No
 * sessions, no CSRF (no cookies are ever issued), no server-side login forms. 401 and 403, and the 400 for a URL
 * the firewall refuses ({@code //}, {@code ;}, encoded dots), are problem+json, written by
 * {@link ApiExceptionHandler} like every other error.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);

    static final String[] OPEN_PATHS = {
        "/actuator/health", "/actuator/health/**", "/actuator/info",
        "/v3/api-docs", "/v3/api-docs/**", "/v3/api-docs.yaml", "/swagger-ui/**", "/swagger-ui.html", "/error",
        // the viewer page and its scripts hold no data; the page sends the key with every API call it makes
        "/viewer/**", "/webjars/**"
    };

    static final String PROMETHEUS = "/actuator/prometheus";

    @Bean
    SecurityFilterChain apiSecurity(HttpSecurity http, SecurityProperties properties,
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver resolver) throws Exception {
        // Not a bean, so that the servlet container does not also run it outside Spring Security's chain.
        ApiKeyAuthenticationFilter apiKeyFilter = new ApiKeyAuthenticationFilter(properties);
        AuthenticationEntryPoint unauthorized = (request, response, ex) ->
                resolver.resolveException(request, response, null, ex);
        AccessDeniedHandler forbidden = (request, response, ex) ->
                resolver.resolveException(request, response, null, ex);
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable())
                .logout(l -> l.disable())
                .requestCache(c -> c.disable())
                .addFilterBefore(apiKeyFilter, AnonymousAuthenticationFilter.class)
                .exceptionHandling(e -> e.authenticationEntryPoint(unauthorized).accessDeniedHandler(forbidden))
                .authorizeHttpRequests(auth -> {
                    // The asynchronous dispatch that ends a streamed answer (features.h5) belongs to a request
                    // already authorised; refusing it (the API key is not read again) closed the connection.
                    auth.dispatcherTypeMatchers(DispatcherType.ASYNC).permitAll();
                    auth.requestMatchers(OPEN_PATHS).permitAll();
                    if (properties.metricsPublic()) {
                        auth.requestMatchers(PROMETHEUS).permitAll();
                    } else {
                        auth.requestMatchers(PROMETHEUS).hasAnyRole("METRICS", "ADMIN");
                    }
                    auth.requestMatchers("/api/v1/admin/**").hasRole("ADMIN")
                            .requestMatchers("/api/**").hasRole("CLIENT")
                            .anyRequest().denyAll();
                });
        return http.build();
    }

    /** Picked up by Spring Security; without it a refused URL answers Spring Boot's plain error JSON. */
    @Bean
    RequestRejectedHandler problemForRejectedRequests(
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver resolver) {
        return (request, response, ex) -> resolver.resolveException(request, response, null,
                ApiException.badRequest("The request URL is not allowed (e.g. '//', ';' or an encoded '.')"));
    }

    @EventListener(ApplicationReadyEvent.class)
    void warnWhenNoKeys(ApplicationReadyEvent event) {
        SecurityProperties properties = event.getApplicationContext().getBean(SecurityProperties.class);
        if (properties.apiKeys().isEmpty()) {
            log.warn("""
                    No API key is configured: every /api/** call answers 401. To configure one, hash a key of your \
                    choice with
                        printf %s 'YOUR-SECRET-KEY' | sha256sum
                    and set (application.yml, -D options or the environment variables HIPT_SECURITY_APIKEYS_0_NAME, \
                    HIPT_SECURITY_APIKEYS_0_ROLE, HIPT_SECURITY_APIKEYS_0_KEYSHA256):
                        hipt.security.api-keys[0].name=lims
                        hipt.security.api-keys[0].role=CLIENT
                        hipt.security.api-keys[0].key-sha256=<the 64 hex digits printed by sha256sum>
                    then send the key itself in the X-API-Key header. Role ADMIN also opens /api/v1/admin/**.""");
        } else {
            log.info("API-key security: {} key(s) configured", properties.apiKeys().size());
        }
    }
}
