"""Drive the running dashboard in headless chromium: open pages, wait for their charts, take screenshots.

Shared by the browser test and by hand (``python tests/dashboard/browser.py URL OUT_DIR [QUERY [USER
PASSWORD]]``: screenshots of every page of a running app, for looking at).
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import dataclasses
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SESSION_COOKIE = "slametrics_session"
#: every menu the page shows from its first frame on, as lists of link texts, kept in window.__menus
WATCH_MENU = """
window.__menus = [];
new MutationObserver(() => {
    const links = Array.from(document.querySelectorAll('.st-key-menu a, [data-testid="stSidebarNav"] a'));
    const texts = JSON.stringify(links.map(a => a.innerText.trim().split("\\n").pop()));
    if (links.length && JSON.stringify(window.__menus[window.__menus.length - 1]) !== texts) {
        window.__menus.push(JSON.parse(texts));
    }
}).observe(document, {childList: true, subtree: true, characterData: true});
"""
#: the links of the menu dashboard.py draws, and of the one Streamlit would draw from the files of pages/
MENU = '.st-key-menu a, [data-testid="stSidebarNav"] a'
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
#: url path, page name, how many plotly charts it draws at least (on data with breaches and credits)
PAGES = [("", "Overview", 0), ("trends", "Trends", 5), ("breaches", "Breaches", 3), ("at_risk", "At risk", 0),
         ("credits", "Service credits", 3), ("review", "Quarterly review", 0),
         ("whatif", "What-if", 3), ("data", "Data", 0), ("policy", "Policy", 1), ("ticket", "Ticket", 0)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(env: dict[str, str], port: int | None = None, timeout: float = 90.0):
    """Start the app with the project's run command (``./run dashboard``) and yield its URL."""
    port = port or free_port()
    log = open(Path(env.get("SLA_LOG_DIR", "/tmp")) / f"dashboard-{port}.log", "w")
    proc = subprocess.Popen(
        [str(ROOT / "run"), "dashboard", "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port)],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not start; see {log.name}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@dataclass
class PageShot:
    path: str
    title: str
    heading: str
    charts: int
    errors: list[str]
    exceptions: list[str]
    screenshot: Path
    text: str = ""
    overflow: list[str] = dataclasses.field(default_factory=list)


def _settle(page, timeout_ms: int) -> None:
    """Wait until the app has connected, run the script and stopped showing its running indicator."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector('[data-testid="stStatusWidget"]');
        }""", timeout=timeout_ms)


def sign_in(page, user: str, password: str, timeout_ms: int = 90_000) -> None:
    """Fill in the sign-in screen the page shows and wait for the page it was asked for."""
    page.wait_for_selector('input[aria-label="Password"]', timeout=timeout_ms)
    _settle(page, timeout_ms)  # as a person would: type once the screen stands still
    page.get_by_role("textbox", name="Username").fill(user)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('input[aria-label="Password"]', state="detached", timeout=timeout_ms)
    _settle(page, timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000  # the session cookie is set by a component, a moment later
    while not any(c["name"] == SESSION_COOKIE for c in page.context.cookies()) and time.monotonic() < deadline:
        page.wait_for_timeout(100)


def visit(url: str, timeout_ms: int = 90_000, user: str | None = None, password: str | None = None
          ) -> dict[str, object]:
    """Open one link in a new browser (signing in as ``user`` on the way); report the page title, the
    navigation, the page's and the sidebar's text."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.add_init_script(WATCH_MENU)
        page.goto(url, wait_until="domcontentloaded")
        _settle(page, timeout_ms)
        menus_before = page.evaluate("() => window.__menus")
        if user:
            sign_in(page, user, password or "", timeout_ms)
        page.wait_for_selector('h1, [data-testid="stException"]', timeout=timeout_ms)
        exceptions = page.locator('[data-testid="stException"]').all_inner_texts()
        if exceptions:
            browser.close()
            raise AssertionError(f"{url}: {exceptions}")
        found = {
            "title": page.locator("h1").first.inner_text(),
            "navigation": page.locator(MENU).all_inner_texts(),
            "text": page.locator('[data-testid="stMain"]').inner_text(),
            "sidebar": page.locator('[data-testid="stSidebar"]').first.inner_text()
            if page.locator('[data-testid="stSidebar"]').count() else "",
            "url": page.url,
            "menus_before_sign_in": menus_before,
        }
        browser.close()
    return found


#: what does not fit at the window's width: the page scrolling sideways, a card's text cut off (Streamlit
#: ends it with an ellipsis), a chart or table wider than its column
OVERFLOW = """() => {
    const out = [];
    const main = document.querySelector('[data-testid="stMain"]');
    if (main.scrollWidth > main.clientWidth + 1) out.push(`the page scrolls sideways: ${main.scrollWidth}px in ${main.clientWidth}px`);
    for (const el of document.querySelectorAll('[data-testid="stMetricValue"] div, [data-testid="stMetricLabel"] p, [data-testid="stMetricDelta"] div')) {
        if (el.scrollWidth > el.clientWidth + 1) out.push(`cut off: "${el.innerText}" (${el.scrollWidth}px in ${el.clientWidth}px)`);
    }
    for (const el of document.querySelectorAll('[data-testid="stPlotlyChart"], [data-testid="stDataFrame"]')) {
        const parent = el.parentElement.getBoundingClientRect(), box = el.getBoundingClientRect();
        if (box.right > parent.right + 1) out.push(`${el.dataset.testid} wider than its column by ${Math.round(box.right - parent.right)}px`);
    }
    return out;
}"""


def _shoot_page(page, address: str, path: str, title: str, min_charts: int, shot: Path, timeout_ms: int,
                width: int = 1500, height: int = 1000) -> PageShot:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(address, wait_until="domcontentloaded")
    _settle(page, timeout_ms)
    page.wait_for_selector('h1, [data-testid="stAlertContentError"], [data-testid="stException"]', timeout=timeout_ms)
    stopped = page.locator('[data-testid="stMain"] [data-testid="stAlertContentError"], '
                           '[data-testid="stException"]').count()
    if min_charts and not stopped:
        page.wait_for_function(
            f"() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"]:has(.main-svg)').length >= {min_charts}",
            timeout=timeout_ms)
    # the app scrolls inside stMain: grow the window to the page's height, so everything is laid out and
    # drawn, then take the whole of it
    overflow = page.evaluate(OVERFLOW)  # as the window shows it, before it grows
    page.screenshot(path=str(shot.with_name(shot.stem + "-window.png")))
    full = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(max(int(full), height), 12_000)})
    _settle(page, timeout_ms)
    page.wait_for_timeout(800)
    overflow += [o for o in page.evaluate(OVERFLOW) if o not in overflow]
    charts = page.locator('[data-testid="stPlotlyChart"]:has(.main-svg)').count()
    errors = page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
    exceptions = page.locator('[data-testid="stException"]').all_inner_texts()
    page.screenshot(path=str(shot), full_page=True)
    heading = page.locator("h1").first.inner_text() if page.locator("h1").count() else ""
    text = "\n".join(page.locator(f'[data-testid="{part}"]').first.inner_text()
                     for part in ("stMain", "stSidebar") if page.locator(f'[data-testid="{part}"]').count())
    return PageShot(path, title, heading, charts, errors, exceptions, shot, text, overflow)


def shoot(url: str, out_dir: Path, pages=PAGES, timeout_ms: int = 90_000, query: str = "",
          user: str | None = None, password: str | None = None, width: int = 1500, height: int = 1000
          ) -> list[PageShot]:
    """Open each page, wait for its charts to be drawn, and save a full-page screenshot. With ``user``,
    sign in on the first page; the others open signed in by the session cookie, as in a browser."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    shots = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000}, device_scale_factor=1)
        if user:
            page.goto(f"{url}/{query}", wait_until="domcontentloaded")
            _settle(page, timeout_ms)
            page.screenshot(path=str(out_dir / "0-sign-in.png"))
            sign_in(page, user, password or "", timeout_ms)
        for i, (path, title, min_charts) in enumerate(pages, start=1):
            shot = out_dir / f"{i}-{(path or 'overview')}.png"
            try:
                shots.append(_shoot_page(page, f"{url}/{path}{query}", path, title, min_charts, shot, timeout_ms,
                                         width, height))
            except PlaywrightTimeout as exc:  # keep going: the test names the page, the screenshot shows it
                page.screenshot(path=str(shot), full_page=True)
                first = str(exc).splitlines()[0]
                shots.append(PageShot(path, title, "", 0, [], [f"timed out: {first}"], shot))
        browser.close()
    return shots


if __name__ == "__main__":  # python tests/dashboard/browser.py URL OUT_DIR [QUERY [USER PASSWORD]]
    args = sys.argv[1:] + [""] * 5
    for s in shoot(args[0], Path(args[1]), query=args[2], user=args[3] or None, password=args[4] or None):
        print(f"{s.title}: {s.charts} charts, errors {s.errors}, exceptions {s.exceptions} -> {s.screenshot}")
