package dev.hipt.system;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;

/**
 * Errors Tomcat answers itself, before any servlet or filter runs (a request line or headers larger than
 * {@code server.max-http-request-header-size}, a URL with {@code %00} or a control character, a malformed request
 * line), are problem+json with a stable {@code code} like every other error, instead of Tomcat's HTML error page:
 * {@link ProblemErrorReportValve} replaces the host's {@link ErrorReportValve}.
 */
@Configuration(proxyBeanMethods = false)
class TomcatErrorReports {

    @Bean
    WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> problemErrorReportValve() {
        // Runs after Spring Boot's own customizer, which adds a plain ErrorReportValve to the host.
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                for (Valve valve : host.getPipeline().getValves()) {
                    if (valve instanceof ErrorReportValve) {
                        host.getPipeline().removeValve(valve);
                    }
                }
                // StandardHost adds a valve of this class on start unless it finds one.
                host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
                host.getPipeline().addValve(new ProblemErrorReportValve());
            }
        });
    }

    /**
     * Writes an RFC 9457 problem with the {@code code} of its status instead of Tomcat's HTML report. The detail is
     * fixed per status: Tomcat's own message may quote the refused request, which can carry anything.
     */
    static final class ProblemErrorReportValve extends ErrorReportValve {

        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            int status = response.getStatus();
            if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
                return;
            }
            AtomicBoolean ioAllowed = new AtomicBoolean(true);
            response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
            if (!ioAllowed.get()) {
                return;
            }
            try {
                response.setContentType(OpenApiConfiguration.PROBLEM_JSON);
                response.setCharacterEncoding("UTF-8");
                Writer writer = response.getReporter();
                if (writer != null) {
                    writer.write(problem(status));
                    response.finishResponse();
                }
            } catch (IOException | IllegalStateException e) {
                // the connection is gone or the answer already started: nothing more to tell the caller
            }
        }

        static String problem(int status) {
            HttpStatus known = HttpStatus.resolve(status);
            String title = known == null ? "Error" : known.getReasonPhrase();
            return "{\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\"" + detail(status)
                    + "\",\"code\":\"" + ErrorCodes.forStatus(status) + "\"}";
        }

        private static String detail(int status) {
            return switch (status) {
                case 400 -> "The server could not read the request: a malformed request line or URL (e.g. %00 or"
                        + " a control character in the path), or a request line or headers over the size limit";
                case 413 -> "The request is larger than the server accepts";
                case 414 -> "The request URL is longer than the server accepts";
                case 431 -> "The request headers are larger than the server accepts";
                default -> status >= 500 ? "The server failed to process the request; the cause is logged"
                        : "The server refused the request";
            };
        }
    }
}
