package io.tourniquet.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.devstack.LocalStack;
import io.tourniquet.devstack.StackHttp;
import io.tourniquet.devstack.StackLogins;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator console in a real headless Chromium (Debian's chromium and chromium-driver, installed by ./tourniquet
 * test) against the stack as ./tourniquet up starts it: people sign in at the identity provider, see only their
 * tenants, act with the APIs' rules, and watch the fleet change without reloading.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {

    private static final List<String> TENANTS = List.of("acme", "globex");
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Screenshots for docs/ (copied there by hand when the pages change). */
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

    private LocalStack stack;
    private Path downloads;
    private WebDriver browser;

    @BeforeAll
    void start() throws Exception {
        Path home = Path.of(System.getProperty("tourniquet.home", "..")).toAbsolutePath().normalize();
        Path stateDir = Files.createTempDirectory(Path.of("target"), "console-stack-");
        downloads = Files.createTempDirectory(Path.of("target"), "console-downloads-").toAbsolutePath();
        Files.createDirectories(SCREENSHOTS);
        stack = LocalStack.start(new LocalStack.Options(home, stateDir, TENANTS, 2, 0, 0, 0, Map.of(), false));
        await().atMost(WAIT).until(() -> LocalStack.settled(stack.summary(), TENANTS.size()));
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
            browser = null;
        }
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void anOperatorSeesOnlyTheirTenantAndWatchesAnApprovedMitigationApplyWithoutAReload() throws Exception {
        // acme needs approvals; M1.1 is taken away, then allowed again: it now waits for an approval on acme's servers
        PolicyApi.setPolicy(stack, "acme", Map.of("approvalRequired", true, "blockedMitigations", List.of("M1.1")));
        awaitStates("acme", "M1.1", "REMOVED");
        PolicyApi.setPolicy(stack, "acme", Map.of("approvalRequired", true));
        awaitStates("acme", "M1.1", "AWAITING_APPROVAL");

        signIn(StackLogins.OPERATOR);
        assertThat(browser.findElement(By.id("tenants")).getText()).isEqualTo("acme");
        assertThat(browser.findElements(By.cssSelector("#tenant-table tbody tr")).stream().map(r -> r.getAttribute("data-tenant")).toList())
                .containsExactly("acme");
        assertThat(browser.getPageSource()).doesNotContain("globex");
        assertThat(browser.findElements(By.id("kill-switch-form"))).as("an operator has no kill switch").isEmpty();
        screenshot("overview");

        // another tenant's page is refused, whatever the address typed
        browser.get(stack.consoleUrl() + "/tenants/globex");
        assertThat(awaitElement("refusal").getText()).contains("does not grant access to tenant 'globex'");

        browser.get(stack.consoleUrl() + "/tenants/acme");
        assertThat(appliedCount("M1.1")).isEqualTo("0");
        assertEveryFieldIsLabelled();
        ((JavascriptExecutor) browser).executeScript("window.notReloaded = true;");
        screenshot("tenant");
        String watching = browser.getWindowHandle();

        // the approval is given in a second tab; the first one must update by itself
        browser.switchTo().newWindow(WindowType.TAB);
        browser.get(stack.consoleUrl() + "/tenants/acme");
        browser.findElement(By.id("reason-M1.1")).sendKeys("CHG-4711 approved in the console test");
        browser.findElement(By.id("approve-M1.1")).click();
        awaitElement("api-answer");
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Done: approve M1.1 for acme");
        assertThat(browser.findElement(By.id("audit-type")).getText()).isEqualTo("approval.granted");
        assertThat(browser.findElement(By.id("audit-actor")).getText()).isEqualTo("operator via tourniquet-console");

        browser.switchTo().window(watching);
        // the table is redrawn at each live update: a cell read while it is replaced is read again
        new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).until(b -> "2".equals(appliedCount("M1.1")));
        assertThat(((JavascriptExecutor) browser).executeScript("return window.notReloaded === true;")).as("updated without a reload").isEqualTo(true);
        assertThat(browser.findElements(By.cssSelector("[data-awaiting='M1.1']"))).isEmpty();

        // a server's page: what its agent described, its history, and an action on that server alone
        browser.findElement(By.linkText("exch01")).click();
        assertThat(awaitElement("build").getText()).isEqualTo("15.2.986.5");
        assertThat(browser.findElement(By.id("last-seen")).getText()).isNotBlank();
        assertThat(browser.findElement(By.id("history")).getText()).contains("agent.applied").contains("M1.1");
        browser.findElement(By.id("reason-PING1")).sendKeys("probe noise on this server");
        browser.findElement(By.cssSelector("form[action$='/exch01/mitigations/PING1/remove'] button")).click();
        assertThat(awaitElement("audit-type").getText()).isEqualTo("server.remove");
        awaitStates("acme", "exch01", "PING1", "REMOVED");
    }

    @Test
    @Order(2)
    void anAuditorSeesNoActionAndDownloadsTheEvidence() throws Exception {
        signIn(StackLogins.AUDITOR);
        browser.get(stack.consoleUrl() + "/tenants/acme");
        assertThat(browser.findElement(By.id("chain-status")).getText()).isEqualTo("intact");
        assertThat(browser.findElements(By.tagName("button"))).as("an auditor acts on nothing").isEmpty();
        assertThat(browser.findElements(By.cssSelector("form[action^='/actions']"))).isEmpty();

        browser.findElement(By.id("evidence-csv")).click();
        browser.findElement(By.id("evidence-json")).click();
        await().atMost(WAIT).until(() -> downloaded(".csv") != null && downloaded(".json") != null);
        List<String> csv = Files.readAllLines(downloaded(".csv"));
        assertThat(csv.get(0)).startsWith("\"seq\",\"event_id\"");
        assertThat(csv).anySatisfy(line -> assertThat(line).contains("approval.granted").contains("operator via tourniquet-console"));
        assertThat(JSON.readTree(downloaded(".json").toFile()).toString()).contains("agent.applied");

        // a forged form is refused by the console, and the API would refuse it too
        Object status = ((JavascriptExecutor) browser).executeAsyncScript(
                "var done = arguments[0]; fetch('/actions/tenants/acme/mitigations/M2.1/block', {method: 'POST'}).then(r => done(r.status));");
        assertThat(status).isEqualTo(403L);
        assertThat(blocked("acme")).doesNotContain("M2.1");
    }

    @Test
    @Order(3)
    void theKillSwitchNeedsItsConfirmationAndOnlyAnAdministratorHasIt() throws Exception {
        signIn(StackLogins.ADMIN);
        assertThat(browser.findElements(By.cssSelector("#tenant-table tbody tr")).stream().map(r -> r.getAttribute("data-tenant")).toList())
                .containsExactly("acme", "globex");
        assertEveryFieldIsLabelled();
        WebElement engage = browser.findElement(By.id("kill-switch-engage"));
        new Select(browser.findElement(By.id("kill-mitigation"))).selectByValue("PING1");
        browser.findElement(By.id("kill-reason")).sendKeys("breaks OWA at a customer (console test)");
        assertThat(engage.isEnabled()).isFalse();
        browser.findElement(By.id("kill-confirmation")).sendKeys("PING");
        assertThat(engage.isEnabled()).as("a wrong confirmation").isFalse();

        // the page's check is a convenience: the console checks the confirmation itself
        ((JavascriptExecutor) browser).executeScript("arguments[0].disabled = false;", engage);
        engage.click();
        assertThat(awaitElement("refusal").getText()).contains("type the mitigation's id (PING1) to confirm");
        assertThat(stack.auditEvents("acme", "kill-switch.engaged")).isEmpty();

        browser.get(stack.consoleUrl() + "/");
        new Select(browser.findElement(By.id("kill-mitigation"))).selectByValue("PING1");
        browser.findElement(By.id("kill-reason")).sendKeys("breaks OWA at a customer (console test)");
        browser.findElement(By.id("kill-confirmation")).sendKeys("PING1");
        assertThat(browser.findElement(By.id("kill-switch-engage")).isEnabled()).isTrue();
        browser.findElement(By.id("kill-switch-engage")).click();
        awaitElement("api-answer");
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Done: engage the kill switch of PING1 for every tenant");
        assertThat(browser.findElement(By.id("audit-type")).getText()).isEqualTo("kill-switch.engaged");
    }

    @Test
    @Order(4)
    void aChangeFromAnotherSiteIsRefusedEvenWithTheSessionCookie() throws Exception {
        signIn(StackLogins.OPERATOR);
        String cookies = browser.manage().getCookies().stream().map(c -> c.getName() + "=" + c.getValue()).collect(Collectors.joining("; "));
        for (String origin : List.of("https://attacker.example", "null")) {
            HttpResponse<String> forged = StackHttp.client().send(HttpRequest.newBuilder(URI.create(stack.consoleUrl()
                            + "/actions/tenants/acme/mitigations/M2.1/block")).header("Cookie", cookies).header("Origin", origin)
                    .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(forged.statusCode()).as(forged.body()).isEqualTo(403);
        }
        assertThat(blocked("acme")).doesNotContain("M2.1");

        // signing out ends the session: the next page asks for a sign-in again
        browser.findElement(By.linkText("Sign out")).click();
        new WebDriverWait(browser, WAIT).until(b -> b.getCurrentUrl().equals(stack.consoleUrl() + "/signed-out"));
        browser.get(stack.consoleUrl() + "/tenants/acme");
        assertThat(browser.getCurrentUrl()).startsWith(stack.issuer().url() + "/authorize");
    }

    @Test
    @Order(5)
    void aServiceThatGoesAwayIsSaidOnThePageNotHidden() throws Exception {
        signIn(StackLogins.AUDITOR);
        stack.service("audit-service").kill();
        browser.get(stack.consoleUrl() + "/tenants/acme");
        assertThat(awaitElement("refusal").getText()).startsWith("The policy or audit service does not answer");
        assertThat(stack.service("console").isAlive()).isTrue();
    }

    // ---- helpers

    /** Opens the console, is sent to the identity provider's sign-in page, signs in, and lands on the overview. */
    private void signIn(String user) {
        browser = chromium();
        browser.get(stack.consoleUrl() + "/");
        assertThat(browser.getCurrentUrl()).startsWith(stack.issuer().url() + "/authorize");
        browser.findElement(By.id("username")).sendKeys(user);
        browser.findElement(By.id("password")).sendKeys(StackLogins.secret(stack.options().stateDir(), user));
        browser.findElement(By.cssSelector("button[type=submit]")).click();
        new WebDriverWait(browser, WAIT).until(b -> b.getCurrentUrl().startsWith(stack.consoleUrl()));
        assertThat(browser.findElement(By.id("signed-in-as")).getText()).isEqualTo(user);
    }

    private WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        // the stack's certificates come from its own CA, which this throw-away profile does not hold
        options.setAcceptInsecureCerts(true);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1366,900");
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(), "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(1366, 900));
        return driver;
    }

    /** The element of the page the last click leads to (a form's answer arrives after the click returns). */
    private WebElement awaitElement(String id) {
        return new WebDriverWait(browser, WAIT).until(b -> b.findElements(By.id(id)).stream().findFirst().orElse(null));
    }

    /** A screen reader names every field: each visible input and list has a label. */
    private void assertEveryFieldIsLabelled() {
        Object unlabelled = ((JavascriptExecutor) browser).executeScript("return Array.from(document.querySelectorAll("
                + "'input:not([type=hidden]), select, textarea')).filter(e => !(e.labels && e.labels.length)).map(e => e.id || e.name);");
        assertThat((List<?>) unlabelled).isEmpty();
    }

    private String appliedCount(String mitigation) {
        List<WebElement> cells = browser.findElements(By.cssSelector("#tenant-mitigations tr[data-mitigation='" + mitigation + "'] td[data-count=applied]"));
        return cells.isEmpty() ? null : cells.get(0).getText();
    }

    private void screenshot(String name) throws Exception {
        Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SCREENSHOTS.resolve("console-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private Path downloaded(String suffix) throws Exception {
        try (var files = Files.list(downloads)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).findFirst().orElse(null);
        }
    }


    private List<String> blocked(String tenant) throws Exception {
        HttpResponse<String> response = StackHttp.client().send(HttpRequest.newBuilder(URI.create(stack.service("policy-service").baseUrl()
                + "/api/v1/tenants/" + tenant + "/policy")).header("Authorization", "Bearer " + stack.accessToken()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.convertValue(JSON.readTree(response.body()).path("blockedMitigations"), new TypeReference<List<String>>() { });
    }

    /** Until the mitigation is in this state on each of the tenant's two servers. */
    private void awaitStates(String tenant, String mitigation, String state) {
        awaitStates(tenant, null, mitigation, state, 2);
    }

    /** Until the mitigation is in this state on the one server. */
    private void awaitStates(String tenant, String server, String mitigation, String state) {
        awaitStates(tenant, server, mitigation, state, 1);
    }

    private void awaitStates(String tenant, String server, String mitigation, String state, int servers) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> assertThat(stack.states().stream()
                .filter(s -> tenant.equals(s.get("tenantId")) && (server == null || server.equals(s.get("serverId")))
                        && mitigation.equals(s.get("mitigationId")))
                .map(s -> s.get("state")).toList()).hasSize(servers).allMatch(state::equals));
    }
}
