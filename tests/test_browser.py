"""The report of the tiny study, opened in a real browser (headless Chromium, Debian's package).

A person opening ``results/report.html`` must land on the overview (not the rule graph), see its
figures and the animation, and reach the interactive explorer, which must render inside the report
(nothing downloaded); the explorer's own page must work offline. Playwright drives the system
Chromium; no browser is downloaded.
"""

import os
import shutil
import time
from pathlib import Path

import pytest

from conftest import copy_run, snakemake

pytestmark = pytest.mark.workflow

CHROMIUM = shutil.which("chromium")
#: Offline, quiet, reproducible: no network services, a fresh profile per test.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def report(tiny_run, tmp_path_factory) -> Path:
    """results/report.html of (a copy of) the tiny run."""
    work = copy_run(tiny_run, tmp_path_factory.mktemp("browser") / "run")
    snakemake(work, "--report", "results/report.html")
    return work / "results/report.html"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium (the system's) with a fresh profile, for the module."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=VIEWPORT,
            accept_downloads=True,
        )
        yield context
        context.close()


@pytest.fixture
def browser_page(browser):
    """A new tab, and the list of files it downloaded (a report item must never download)."""
    page = browser.new_page()
    downloads = []
    page.on("download", lambda download: downloads.append(download.suggested_filename))
    yield page, downloads
    page.close()


def test_the_report_opens_on_the_overview_with_its_figures(report, browser_page, tmp_path):
    page, downloads = browser_page
    start = time.perf_counter()
    page.goto(report.as_uri(), wait_until="load")
    page.wait_for_selector("#l1l2-overview h1", state="visible", timeout=60_000)
    seconds = time.perf_counter() - start
    print(f"report {report.stat().st_size / 1e6:.2f} MB, overview visible after {seconds:.2f} s")
    page.screenshot(path=str(tmp_path / "landing.png"))

    # first screen: the overview's title at the top of the content, the rule graph below it
    title = page.locator("#l1l2-overview h1")
    assert "what this run shows" in title.inner_text()
    box = title.bounding_box()
    assert box["y"] < 150 and box["x"] < VIEWPORT["width"] / 2
    first_screen = page.locator("#l1l2-overview").inner_text()
    assert "Under- to overfitting" in first_screen
    assert "Which regularizer wins where" in first_screen
    graph = page.locator("div#rulegraph")
    if graph.count():
        assert graph.bounding_box()["y"] > page.locator("#l1l2-overview").bounding_box()["y"] + 1000
    # every figure is drawn (decoded, with a real size), the animation among them
    images = page.eval_on_selector_all(
        "#l1l2-overview img",
        "els => els.map(e => ({src: e.src.slice(0, 15), w: e.naturalWidth, h: e.clientHeight}))",
    )
    assert len(images) == 6
    assert all(image["w"] >= 600 and image["h"] >= 150 for image in images), images
    assert sum(image["src"] == "data:image/gif;" for image in images) == 1
    # the overview is wide enough to read: most of the content column, not a side strip
    assert page.locator("#l1l2-overview").bounding_box()["width"] > 900
    assert downloads == []


def test_the_explorer_renders_inside_the_report(report, browser_page, tmp_path):
    """The overview's button draws the explorer in the page itself (with the Vega library the
    report carries), sliders first; moving a slider redraws it."""
    page, downloads = browser_page
    page.goto(report.as_uri(), wait_until="load")
    page.wait_for_selector("#l1l2-overview", timeout=60_000)
    assert page.locator("#l1l2-explorer svg").count() == 0  # drawn on request only
    page.click("text=Open the interactive explorer")
    page.wait_for_selector("#l1l2-explorer svg.marks", timeout=60_000)
    sliders = page.eval_on_selector_all(
        "#l1l2-explorer-sliders input[type=range]", "els => els.map(e => [e.name, e.value])"
    )
    assert [name for name, _ in sliders] == ["degree", "log10_lambda"]
    assert sliders[0][1] == "6"  # starts at the largest degree of the tiny study
    top = page.locator("#l1l2-explorer-sliders").bounding_box()["y"]
    assert top < page.locator("#l1l2-explorer svg.marks").bounding_box()["y"]
    before = page.inner_html("#l1l2-explorer svg.marks")
    assert "errors at this point" in before
    # move the degree slider as a person would (keyboard), and the charts follow
    page.focus("input[name=degree]")
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    page.wait_for_function("document.querySelector('input[name=degree]').value === '3'")
    page.wait_for_timeout(500)
    after = page.inner_html("#l1l2-explorer svg.marks")
    assert after != before
    assert "of 3 weights exactly 0" in after
    # a second click does not draw a second chart
    page.click("text=Open the interactive explorer")
    assert page.locator("#l1l2-explorer svg.marks").count() == 1
    page.screenshot(path=str(tmp_path / "explorer.png"))
    assert downloads == []


def test_the_standalone_explorer_page_works_offline(report, browser_page):
    """results/overview/explorer.html (not in the report's menu: the overview draws the same
    chart) renders on its own from the file, with its JavaScript inlined: sliders and charts."""
    page, downloads = browser_page
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((report.parent / "overview/explorer.html").as_uri(), wait_until="load")
    page.wait_for_selector("svg.marks", timeout=60_000)
    sliders = page.eval_on_selector_all("input[type=range]", "els => els.map(e => e.name)")
    assert sliders == ["degree", "log10_lambda"]
    assert "errors at this point" in page.inner_html("svg.marks")
    assert [url for url in requests if not url.startswith("file:")] == []
    assert downloads == []
