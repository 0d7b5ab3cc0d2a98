package dev.hipt;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point of the HIPT inference service. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class HiptApplication {

    public static void main(String[] args) {
        // DJL must never try to download an engine at run time: libtorch comes from the classpath.
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        SpringApplication.run(HiptApplication.class, args);
    }
}
