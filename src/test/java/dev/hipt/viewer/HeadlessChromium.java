package dev.hipt.viewer;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Level;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's {@code chromium} driven through its own {@code chromedriver} (packages {@code chromium} and
 * {@code chromium-driver}): both paths are given, so Selenium Manager never runs and nothing is downloaded.
 * Override them with {@code -Dhipt.test.chromium=...} and {@code -Dhipt.test.chromedriver=...}.
 */
final class HeadlessChromium {

    static final Path BROWSER = Path.of(System.getProperty("hipt.test.chromium", "/usr/bin/chromium"));
    static final Path DRIVER = Path.of(System.getProperty("hipt.test.chromedriver", "/usr/bin/chromedriver"));
    static final int WIDTH = 1280;
    static final int HEIGHT = 800;

    private HeadlessChromium() {
    }

    static boolean installed() {
        return Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER);
    }

    /** A headless browser with a 1280 x 800 window at a device scale of 1, keeping the page's console log. */
    static ChromeDriver start() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=" + WIDTH + "," + HEIGHT, "--force-device-scale-factor=1", "--hide-scrollbars",
                "--no-first-run", "--disable-extensions");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(DRIVER.toString())).usingAnyFreePort()
                .withTimeout(Duration.ofSeconds(30)).build();
        return new ChromeDriver(service, options);
    }
}
