package dev.hipt.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A fresh installation without any API key: the API is closed, and the log says how to open it. */
@WebMvcTest(controllers = ApiWithoutKeysIntegrationTests.Probe.class)
@Import({SecurityConfiguration.class, ApiExceptionHandler.class, ApiWithoutKeysIntegrationTests.Probe.class})
@EnableConfigurationProperties(SecurityProperties.class)
@EnableWebSecurity
@ExtendWith(OutputCaptureExtension.class)
class ApiWithoutKeysIntegrationTests {

    @Autowired
    private MockMvc mvc;

    @Test
    void everyApiCallIsUnauthorised() throws Exception {
        mvc.perform(get("/api/v1/probe").header("X-API-Key", "anything"))
                .andExpect(status().isUnauthorized())
                .andExpect(content().contentTypeCompatibleWith("application/problem+json"))
                .andExpect(jsonPath("$.code").value("UNAUTHORIZED"));
        mvc.perform(get("/api/v1/admin/probe")).andExpect(status().isUnauthorized());
    }

    @Test
    void startupLogSaysHowToConfigureAKey(CapturedOutput output) {
        new SecurityConfiguration().warnWhenNoKeys(new ApplicationReadyEvent(new SpringApplication(), new String[0],
                context, Duration.ZERO));

        assertThat(output.getAll()).contains("No API key is configured")
                .contains("printf %s 'YOUR-SECRET-KEY' | sha256sum")
                .contains("hipt.security.api-keys[0].name=lims")
                .contains("hipt.security.api-keys[0].role=CLIENT")
                .contains("hipt.security.api-keys[0].key-sha256=");
    }

    @Autowired
    private ConfigurableApplicationContext context;

    @RestController
    static class Probe {
        @GetMapping({"/api/v1/probe", "/api/v1/admin/probe"})
        String probe() {
            return "open";
        }
    }
}
