"""Tier 3 (browser): the run site and the notebooks as our users see them, in headless Chromium.

Run by ``make test`` (through ``make test-browser``, which installs Debian's chromium), not by
``make test-fast``. Screenshots go to ``test-output/``.
"""

import json
import shutil
import time

import nbformat
import pytest

from browser import browser_page, jupyterlab, screenshot
from conftest import NOTEBOOKS

pytestmark = pytest.mark.browser

IMMUNE = "06_immune_bistability.ipynb"


# --------------------------------------------------------------------------- the site of a run

def test_site_of_a_real_run_shows_claims_and_figures_in_chromium(tmp_path):
    from nbsupport.batch import site
    from nbsupport.run import main

    runs = tmp_path / "runs"
    assert main([str(NOTEBOOKS / IMMUNE), "--profile", "default", "--out", str(runs)]) == 0
    index = site.build(runs)
    with browser_page() as page:
        page.goto(index.as_uri())
        assert page.locator("table#runs td.ok").count() == 1
        claims = page.locator("table.claims tr")
        assert claims.count() >= 2 and "reproduced" in claims.nth(1).inner_text()
        screenshot(page, "site-index.png", full_page=True)

        page.locator("table#runs a").first.click()
        page.wait_for_load_state("load")
        rendered = page.evaluate("Array.from(document.images).filter(i => i.complete && i.naturalWidth > 100).length")
        assert rendered >= 1, "no figure rendered on the notebook page"
        assert page.get_by_text("Paper vs this notebook").count() >= 1
        claims_table = page.locator("pre", has_text="verdict").filter(has_text="statement")   # claims_table()
        assert claims_table.count() == 1 and "reproduced" in claims_table.inner_text()
        page.locator("img").first.scroll_into_view_if_needed()
        screenshot(page, "site-notebook-06.png")


# --------------------------------------------------------------------------- JupyterLab

NOTEBOOK_STATE = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    if (!panel || !panel.content || !panel.sessionContext.session) return null;
    const kernel = panel.sessionContext.session.kernel;
    const code = panel.content.widgets.filter(c => c.model.type === 'code');
    let errors = 0;
    for (const c of code) for (let j = 0; j < c.model.outputs.length; j++) if (c.model.outputs.get(j).type === 'error') errors++;
    return {kernel: kernel ? kernel.status : 'none',
            pending: code.filter(c => (c.promptNode ? c.promptNode.textContent : '').includes('*')).length,
            executed: code.filter(c => c.model.executionCount !== null).length,
            cells: code.length, errors: errors};
}"""


def open_in_lab(page, base, token, name):
    """Open a notebook of the server's root (the first one by URL, the next ones as a person does,
    from inside Lab) and wait until its kernel is idle."""
    if not page.url.startswith(base):
        page.goto(f"{base}/lab/tree/{name}?token={token}")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started", timeout=90_000)
    else:
        page.evaluate("name => window.jupyterapp.commands.execute('docmanager:open', {path: name}).then(() => true)", name)
    page.wait_for_function("""name => { const w = window.jupyterapp.shell.currentWidget;
        return w && w.context && w.context.path === name && w.sessionContext && w.sessionContext.session &&
               w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle'; }""",
                           arg=name, timeout=90_000)


def run_all_and_wait(page, timeout_s):
    """Run all cells and wait until nothing is queued and the kernel stays idle (or a cell errored)."""
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells').then(() => true)")
    deadline, quiet = time.monotonic() + timeout_s, 0
    while time.monotonic() < deadline:
        time.sleep(1.0)
        state = page.evaluate(NOTEBOOK_STATE)
        done = state and state["kernel"] == "idle" and state["pending"] == 0 and (
            state["executed"] == state["cells"] or state["errors"])
        quiet = quiet + 1 if done else 0
        if quiet >= 2:
            return state
    raise AssertionError(f"the notebook did not finish within {timeout_s} s: {page.evaluate(NOTEBOOK_STATE)}")


def test_immune_notebook_runs_in_jupyterlab_and_its_slider_redraws_the_figure(tmp_path):
    work, home = tmp_path / "notebooks", tmp_path / "home"
    work.mkdir(), home.mkdir()
    shutil.copy(NOTEBOOKS / IMMUNE, work / IMMUNE)          # Lab saves what it runs: never the committed copy
    progress = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from nbsupport.progress import progress_bar\n"
        "with progress_bar(3, 'steps') as bar:\n"
        "    for _ in range(3):\n"
        "        bar.update(1)")])
    progress.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(progress, work / "progress.ipynb")

    with jupyterlab(work, home) as (base, token), browser_page() as page:
        open_in_lab(page, base, token, IMMUNE)
        state = run_all_and_wait(page, timeout_s=240)
        screenshot(page, "lab-06-after-run-all.png")
        assert state["errors"] == 0 and state["executed"] == state["cells"], state

        figures = page.evaluate("Array.from(document.querySelectorAll('.jp-OutputArea-output img'))"
                                ".filter(i => i.complete && i.naturalWidth > 100).length")
        assert figures >= 1, "no figure rendered in JupyterLab"

        slider = page.locator(".widget-slider").first
        slider.scroll_into_view_if_needed()
        figure = page.locator(".widget-output img").first
        figure.wait_for(timeout=60_000)
        before = figure.get_attribute("src")
        readout = page.locator(".widget-slider .widget-readout").first
        old_value = float(readout.inner_text())
        new_value = round(old_value * 1.15, 3)
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(f"{new_value}")
        page.keyboard.press("Enter")
        page.wait_for_function("old => { const img = document.querySelector('.widget-output img');"
                               " return img && img.complete && img.naturalWidth > 100 && img.src !== old; }",
                               arg=before, timeout=60_000)
        assert float(readout.inner_text()) == pytest.approx(new_value, abs=1e-3)
        slider.scroll_into_view_if_needed()
        screenshot(page, "lab-06-after-slider.png")

        page.evaluate("window.jupyterapp.commands.execute('docmanager:save').then(() => true)")
        open_in_lab(page, base, token, "progress.ipynb")
        run_all_and_wait(page, timeout_s=60)
        assert page.locator(".jp-OutputArea-output .widget-hprogress").count() == 1, "the bar is not a widget in Lab"
        assert page.locator(".widget-html-content", has_text="steps: 100%").count() == 1

    saved = nbformat.read(work / IMMUNE, as_version=4)
    errors = [o for c in saved.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, json.dumps(errors)[:2000]
