"""Real-browser tests: Debian's Chromium driven by Playwright.

`./dev test` installs chromium with apt; Playwright never downloads a browser.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread. (Tests that
# start a production process drop this variable from its environment.)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }
