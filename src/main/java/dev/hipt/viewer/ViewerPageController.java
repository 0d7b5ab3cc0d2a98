package dev.hipt.viewer;

import io.swagger.v3.oas.annotations.Hidden;
import java.io.IOException;
import java.io.InputStream;
import java.util.UUID;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/**
 * {@code /viewer/slides/{id}}: the viewer page. The page itself carries no data and is open; it asks for an API key
 * (kept in the tab's session storage) and sends it in {@code X-API-Key} with every API call it makes, so the slide,
 * its tiles and its results stay behind the same keys as the rest of the API.
 */
@Controller
@Hidden
class ViewerPageController {

    private final byte[] page;

    ViewerPageController() throws IOException {
        try (InputStream in = new ClassPathResource("viewer/slide.html").getInputStream()) {
            page = in.readAllBytes();
        }
    }

    @GetMapping("/viewer/slides/{id}")
    ResponseEntity<byte[]> slide(@PathVariable UUID id) {
        return ResponseEntity.ok().contentType(MediaType.TEXT_HTML).cacheControl(CacheControl.noCache())
                .header("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:;"
                        + " frame-ancestors 'none'")
                .body(page);
    }
}
