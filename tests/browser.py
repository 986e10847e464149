"""Helpers of the browser tests: Debian's Chromium driven by Playwright, and a JupyterLab server on
a loopback port. The browser is the system's (``apt-get install chromium``, done by ``make
test-browser``); Playwright only drives it and never downloads one."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import ROOT

# Screenshots of the browser tests land here (ignored by git), for a person to look at.
ARTIFACTS = ROOT / "test-output"
# Set by `make test-browser`: a missing browser or Playwright then fails the tests instead of skipping.
REQUIRE_ENV = "NBSUPPORT_REQUIRE_BROWSER"
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
# JupyterLab settings of the test server: every cell stays in the page (Lab 4 otherwise detaches
# cells scrolled out of view, and a test could not find their outputs), and no news pop-up.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
}


def _missing(what: str):
    message = f"{what}; `make test-browser` installs it (Debian's chromium package, playwright from PyPI)"
    if os.environ.get(REQUIRE_ENV, "") not in ("", "0"):
        pytest.fail(message)
    pytest.skip(message)


def chromium_executable() -> str:
    """Debian's Chromium binary (the real one, not the shell wrapper, when both exist)."""
    explicit = os.environ.get("NBSUPPORT_CHROMIUM")
    for candidate in ([explicit] if explicit else []) + list(CHROMIUM_CANDIDATES):
        found = candidate if os.path.isfile(candidate) and os.access(candidate, os.X_OK) else shutil.which(candidate)
        if found:
            return found
    _missing("no Chromium executable found (looked for " + ", ".join(CHROMIUM_CANDIDATES) + ")")


@contextmanager
def browser_page(viewport=(1400, 1000)):
    """A Playwright page in headless system Chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed")
    executable = chromium_executable()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            yield page
        finally:
            browser.close()


def screenshot(page, name: str, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_environment(home: Path) -> dict[str, str]:
    """The environment a person's JupyterLab has: no batch flag, the inline plotting backend, and
    settings, workspaces and runtime files kept in a temporary folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("NBSUPPORT_BATCH", "MPLBACKEND")}
    env.update(JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"))
    for plugin, values in LAB_SETTINGS.items():
        path = home / "settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return env


@contextmanager
def jupyterlab(root_dir: Path, home: Path, start_timeout_s: float = 90.0):
    """A JupyterLab server on 127.0.0.1 with a random token; yields its base URL with the token."""
    pytest.importorskip("jupyterlab")
    port, token = _free_port(), secrets.token_hex(16)
    log = open(home / "jupyterlab.log", "w")
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
               "--LabApp.expose_app_in_browser=True", "--ServerApp.port_retries=0",
               # kernels with CurveZMQ-encrypted transport, as in batch runs (nbsupport.batch.kernels)
               "--KernelManager.transport_encryption=auto"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    server = subprocess.Popen(command, env=lab_environment(home), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {server.returncode}: {(home / 'jupyterlab.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not answer within {start_timeout_s:.0f} s")
            time.sleep(0.5)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
