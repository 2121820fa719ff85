"""Headless Chromium for the report's browser tests and the README's screenshot.

Uses Debian's ``chromium`` (``scripts/_browser.sh`` installs it) driven by Playwright with
``executable_path``: Playwright's own browser download does not work on machines without
network access, and is never attempted here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

# Without the background-networking flags Chromium keeps dialling Google's hosts, which a
# closed network refuses; --no-sandbox because CI runs as root.
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class BrowserUnavailable(RuntimeError):
    pass


def chromium_path() -> str:
    """The Chromium binary: $KERAS_CONFORMANCE_CHROMIUM, else chromium on PATH; BrowserUnavailable if none."""
    path = os.environ.get("KERAS_CONFORMANCE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path or not Path(path).exists():
        raise BrowserUnavailable("no Chromium found: run `bash scripts/_browser.sh` (installs Debian's chromium) "
                                 "or set KERAS_CONFORMANCE_CHROMIUM=/path/to/chromium")
    return path


@contextlib.contextmanager
def launch():
    """A Playwright Browser on Debian's Chromium, closed on exit."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BrowserUnavailable("Playwright is not installed: pip install -r requirements/ci.txt "
                                 "(or pip install playwright; no `playwright install` is needed)") from None
    path = chromium_path()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def problems_of(page) -> list[str]:
    """Start collecting what a standalone page must not do: console errors and warnings, uncaught
    exceptions, requests that leave the disk. Returns the (growing) list."""
    found = []
    page.on("console", lambda m: found.append(f"console.{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: found.append(f"uncaught exception: {e}"))
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "about:")) else found.append(
        f"network request: {r.url}"))
    return found


def screenshot(page_path: Path | str, png: Path | str, width: int = 1400, height: int = 900) -> list[str]:
    """Render ``page_path`` (an HTML file), save a ``width`` × ``height`` screenshot to ``png``, and
    return the page's problems (see ``problems_of``; empty for a good page)."""
    with launch() as browser:
        page = browser.new_page(viewport={"width": width, "height": height})
        found = problems_of(page)
        page.goto(Path(page_path).resolve().as_uri())
        page.screenshot(path=str(png))
    return found
