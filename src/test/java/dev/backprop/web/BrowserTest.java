package dev.backprop.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.sheet.Example;
import dev.backprop.sheet.GradientCheck;
import dev.backprop.sheet.LearningRate;
import dev.backprop.sheet.Parameter;
import dev.backprop.sheet.Step;
import dev.backprop.sheet.Trajectory;
import dev.backprop.sheet.WorkedExample;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.interactions.PointerInput;
import org.openqa.selenium.interactions.Sequence;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Both pages in headless Chromium, driven by Selenium through Debian's chromedriver (never Selenium Manager, which
 * would go to the network): a digit drawn stroke by stroke with pointer events, and the explorer's numbers after
 * changing η and a weight, compared with the sheet code's. Screenshots go to target/browser/. Skipped, with a
 * message, when Chromium is absent, except in CI (CI=true), where .ci/run installs it and this must run.
 */
class BrowserTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SCREENSHOTS = Path.of("target", "browser");
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  private static WebServer server;
  private static WebDriver driver;
  private static Path profile;

  @BeforeAll
  static void start() throws IOException {
    boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    if (!present && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException("CI must run the browser tests, but " + CHROMIUM + " or " + CHROMEDRIVER
          + " is missing: .ci/run installs Debian's chromium and chromium-driver");
    }
    Assumptions.assumeTrue(present, "Skipping the browser tests: Chromium is not installed (" + CHROMIUM + ", "
        + CHROMEDRIVER + "; apt-get install chromium chromium-driver)");
    Logger.getLogger("org.openqa.selenium").setLevel(Level.SEVERE);
    server = WebServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Fixture.models(1),
        new WebServer.ModelInfo("ref15k", "c8 c16 c16 m d0.05 c16 c16 c16 d0.05 c32 conv10k1 a3",
            "ref15k-5epochs.safetensors"), ServerLimits.defaults().withWorkers(1), new PrintStream(System.err, true));
    profile = Files.createTempDirectory("backprop-chromium");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + profile, "--window-size=1400,1000");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    Files.createDirectories(SCREENSHOTS);
  }

  @AfterAll
  static void stop() throws IOException {
    if (driver != null) {
      driver.quit();
    }
    if (server != null) {
      server.close();
    }
    if (profile != null) {
      try (var files = Files.walk(profile)) {
        files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  @Test
  void aDigitDrawnStrokeByStrokeIsRecognisedWhileDrawing() throws IOException {
    driver.manage().window().setSize(new Dimension(1400, 1000));
    driver.get(server.url().toString());
    WebElement canvas = driver.findElement(By.id("canvas"));

    // a "1": one vertical stroke with the mouse; the answer appears before the button is released
    Actions one = new Actions(driver).moveToElement(canvas, 0, -120).clickAndHold();
    for (int i = 0; i < 12; i++) {
      one.moveByOffset(0, 20);
    }
    one.perform();
    waitForDigit("1");
    new Actions(driver).release().perform();
    waitForDigit("1");
    screenshot("draw-1.png");

    // a "7" with a finger: a bar, then the diagonal, each stroke its own touch
    driver.findElement(By.id("clear")).click();
    assertThat(digitShown()).isEmpty();
    PointerInput finger = new PointerInput(PointerInput.Kind.TOUCH, "finger");
    stroke(finger, canvas, new int[][] {{-90, -105}, {-40, -105}, {10, -105}, {60, -105}, {95, -105}});
    stroke(finger, canvas, new int[][] {{95, -105}, {70, -60}, {45, -10}, {20, 40}, {0, 80}, {-15, 120}});
    waitForDigit("7");
    assertThat(driver.findElements(By.cssSelector("#layers .layer"))).hasSize(8);
    assertThat(driver.findElement(By.cssSelector("#bars .value.best")).getText()).endsWith("%");
    driver.manage().window().setSize(new Dimension(1400, 1300)); // the feature maps too
    screenshot("draw.png");
  }

  @Test
  void theExplorerShowsTheSheetCodesNumbersAfterEveryChange() throws IOException {
    driver.manage().window().setSize(new Dimension(1400, 1000));
    driver.get(server.url().resolve("/explorer").toString());
    WorkedExample course = WorkedExample.course();
    Trajectory half = course.descend(new LearningRate("0.5", 0.5), 100);
    waitFor(d -> gradientShown(Parameter.W5) == half.first().gradients().w5());
    assertTableIs(course.example(), half.first());
    assertThat(curve("0.5")).containsExactly(eTotals(half));
    double[] curveBefore = curve("0.5");

    // η from 0.5 to 0.8: the curve stepped with and every update change
    type("lr", "0.8");
    Trajectory eight = course.descend(new LearningRate("0.8", 0.8), 100);
    waitFor(d -> d.findElement(By.id("network-title")).getText().endsWith("η = 0.8"));
    assertThat(curve("0.8")).containsExactly(eTotals(eight));
    assertThat(driver.findElement(By.cssSelector("#chart .curve.on")).getDomAttribute("data-lr")).isEqualTo("0.8");
    assertThat(cell(Parameter.W5, 6)).isEqualTo(eight.steps().get(1).weights().w5());

    // w5 from 0.4 to 0.3: every gradient and the curve change
    type("w5", "0.3");
    WorkedExample changed = new WorkedExample(course.example(),
        course.initialWeights().with(Parameter.W5, 0.3), false, false);
    Trajectory moved = changed.descend(new LearningRate("0.8", 0.8), 100);
    waitFor(d -> cell(Parameter.W5, 2) == 0.3);
    assertTableIs(changed.example(), moved.first());
    assertThat(gradientShown(Parameter.W5)).isNotEqualTo(half.first().gradients().w5());
    assertThat(curve("0.8")).containsExactly(eTotals(moved)).isNotEqualTo(curveBefore);

    // two steps, one undone: the table shows step 1, and the address reproduces the view
    driver.findElement(By.id("step")).click();
    driver.findElement(By.id("step")).click();
    waitFor(d -> d.findElement(By.id("where")).getText().equals("step 2 of 100"));
    assertTableIs(changed.example(), moved.steps().get(2));
    driver.findElement(By.id("undo")).click();
    waitFor(d -> d.findElement(By.id("where")).getText().equals("step 1 of 100"));
    assertTableIs(changed.example(), moved.steps().get(1));
    String link = driver.getCurrentUrl();
    assertThat(link).contains("lr=0.8", "w=0.15,0.2,0.25,0.3,0.3,0.45,0.5,0.55", "k=1");
    driver.get(link);
    waitFor(d -> d.findElement(By.id("where")).getText().equals("step 1 of 100")
        && cell(Parameter.W5, 2) == moved.steps().get(1).weights().w5());
    assertTableIs(changed.example(), moved.steps().get(1));

    // pointing at w1 shows its two chain-rule paths and their sum, the gradient of the table
    new Actions(driver).moveToElement(driver.findElement(By.cssSelector("#diagram g.edge[data-param='w1'] .tag")))
        .perform();
    waitFor(d -> d.findElement(By.cssSelector("#chain h2")).getText().startsWith("∂E_total/∂w1 at step 1"));
    assertThat(driver.findElements(By.cssSelector("#chain table"))).hasSize(2);
    assertThat(Double.parseDouble(driver.findElement(By.cssSelector("#chain dd.result")).getDomAttribute(
        "data-value"))).isEqualTo(moved.steps().get(1).gradients().w1());
    driver.manage().window().setSize(new Dimension(1400, 1160)); // the loss curves too
    screenshot("explorer.png");
  }

  // ---- helpers ----

  private static void stroke(PointerInput finger, WebElement canvas, int[][] points) {
    Sequence touch = new Sequence(finger, 0);
    touch.addAction(finger.createPointerMove(Duration.ZERO, PointerInput.Origin.fromElement(canvas), points[0][0],
        points[0][1]));
    touch.addAction(finger.createPointerDown(PointerInput.MouseButton.LEFT.asArg()));
    for (int i = 1; i < points.length; i++) {
      touch.addAction(finger.createPointerMove(Duration.ofMillis(40), PointerInput.Origin.fromElement(canvas),
          points[i][0], points[i][1]));
    }
    touch.addAction(finger.createPointerUp(PointerInput.MouseButton.LEFT.asArg()));
    ((ChromeDriver) driver).perform(List.of(touch));
  }

  private static String digitShown() {
    String digit = driver.findElement(By.id("digit")).getDomAttribute("data-digit");
    return digit == null ? "" : digit;
  }

  private static void waitForDigit(String digit) {
    waitFor(d -> digit.equals(digitShown()));
    assertThat(driver.findElement(By.id("digit")).getText()).isEqualTo(digit);
  }

  private static void waitFor(java.util.function.Function<WebDriver, Boolean> condition) {
    new WebDriverWait(driver, PATIENCE).ignoring(RuntimeException.class).until(condition::apply);
  }

  /** Replaces a field's text by typing, as a person does. */
  private static void type(String field, String text) {
    WebElement input = driver.findElement(By.id(field));
    input.sendKeys(Keys.chord(Keys.CONTROL, "a"), text);
  }

  /** A number in the gradient table, read from the cell's data-value (the full double, not the rounded text). */
  private static double cell(Parameter parameter, int column) {
    return Double.parseDouble(driver.findElement(By.cssSelector(
        "#grads tr[data-param='" + parameter.label() + "'] td:nth-child(" + column + ")")).getDomAttribute(
        "data-value"));
  }

  private static double gradientShown(Parameter parameter) {
    return cell(parameter, 3);
  }

  /** Each weight's value, gradient and finite difference in the table are the sheet code's, to the bit. */
  private static void assertTableIs(Example example, Step step) {
    for (Parameter parameter : Parameter.WEIGHTS) {
      assertThat(cell(parameter, 2)).as("%s", parameter.label()).isEqualTo(step.weights().get(parameter));
      assertThat(gradientShown(parameter)).as("∂E/∂%s", parameter.label())
          .isEqualTo(step.gradients().get(parameter));
      assertThat(cell(parameter, 4)).as("finite difference of %s", parameter.label())
          .isEqualTo(GradientCheck.centralDifference(example, step.weights(), parameter));
    }
  }

  private static double[] curve(String learningRate) {
    String values = driver.findElement(By.cssSelector("#chart polyline[data-lr='" + learningRate + "']"))
        .getDomAttribute("data-values");
    return Arrays.stream(values.split(",")).mapToDouble(Double::parseDouble).toArray();
  }

  private static double[] eTotals(Trajectory trajectory) {
    return trajectory.steps().stream().mapToDouble(step -> step.forward().eTotal()).toArray();
  }

  private static void screenshot(String name) throws IOException {
    File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }
}
