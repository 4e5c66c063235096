"""The clinic's browser tests: Debian's headless Chromium driven by Selenium against the test app, served on a
loopback port by a real server thread; axe-core (pinned in package.json) checks each page. Chromium and axe-core
are installed when missing; with BONECARE_REQUIRE_BROWSER=1 (CI) a failed install fails the tests, else they skip."""

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "screenshots"


def _unavailable(what: str, detail: str):
    if os.environ.get("BONECARE_REQUIRE_BROWSER"):
        pytest.fail(f"{what} is required (BONECARE_REQUIRE_BROWSER=1) and could not be installed: {detail}")
    pytest.skip(f"{what} unavailable: {detail}")


def _run(*command: str) -> str:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    return "" if done.returncode == 0 else (done.stderr or done.stdout)[-2000:]


@pytest.fixture(scope="session")
def chromedriver() -> str:
    """The path of chromedriver, installed with Debian's chromium when missing (CI runs as root)."""
    if shutil.which("chromedriver") is None:
        failed = _run("apt-get", "update", "-qq") or _run(
            "apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"
        )
        if failed or shutil.which("chromedriver") is None:
            _unavailable("chromium-driver", failed or "not on PATH after apt-get install")
    return shutil.which("chromedriver")


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe.min.js exactly as package-lock.json pins it (npm ci when node_modules lacks it)."""
    if not AXE.exists():
        failed = _run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
        if failed or not AXE.exists():
            _unavailable("axe-core", failed or f"{AXE} missing after npm ci")
    return AXE.read_text()


@pytest.fixture(scope="session")
def live_url(app) -> str:
    """The test app on a loopback port (localhost: a secure context, so the Secure cookie is kept over HTTP)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser(chromedriver):
    """One headless Chromium for the whole run."""
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    if chromium := shutil.which("chromium"):
        options.binary_location = chromium
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture
def page(browser, live_url, axe_source):
    """The browser, with its cookies cleared, and a check that reads axe's verdict and saves a screenshot."""
    browser.delete_all_cookies()
    browser.set_window_size(1280, 1000)
    return Page(browser, live_url, axe_source)


class Page:
    def __init__(self, driver, base: str, axe: str):
        self.driver, self.base, self.axe = driver, base, axe

    def open(self, path: str):
        self.driver.get(self.base + path)

    def accessible(self, name: str) -> None:
        """No serious or critical axe violation on the page; its screenshot in build/screenshots/<name>.png."""
        self.driver.execute_script(self.axe)
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done(String(e)));"
        )
        assert isinstance(result, list), result
        bad = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], bad
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        width = self.driver.get_window_size()["width"]
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(width, min(height + 120, 6000))
        self.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
        self.driver.set_window_size(width, 1000)
