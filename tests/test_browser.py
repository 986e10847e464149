"""Tier 3 (browser): the run site and every notebook as our users see it, in headless Chromium.

Run by ``make test`` (through ``make test-browser``, which installs Debian's chromium), not by
``make test-fast``. Screenshots go to ``test-output/``.
"""

import json
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
        assert rendered >= 1, "no figure rendered on a notebook's page"
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
    raise AssertionError(f"a notebook did not finish within {timeout_s} s: {page.evaluate(NOTEBOOK_STATE)}")


def smoke_copy(source, target):
    """A copy of a notebook whose parameters cell selects the smoke profile (Lab saves what it runs:
    never the committed copy)."""
    nb = nbformat.read(source, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert 'PROFILE = "default"' in cell.source
    cell.source = cell.source.replace('PROFILE = "default"', 'PROFILE = "smoke"', 1)
    nbformat.write(nb, target)


EXPLORER = ".nbsupport-explorer"
CONTROLS = "select:not([multiple]), .widget-slider, .widget-checkbox input[type=checkbox]"


def move_first_control(page, box):
    """Change the explorer's first control as a person would: another option of a dropdown, a value
    typed into a slider's readout (the other end of its range), or a click on a checkbox."""
    control = box.locator(CONTROLS).first
    control.scroll_into_view_if_needed()
    kind = control.evaluate("e => e.tagName === 'SELECT' ? 'select' : (e.tagName === 'INPUT' ? 'checkbox' : 'slider')")
    if kind == "select":
        count, current = control.evaluate("e => [e.options.length, e.selectedIndex]")
        assert count >= 2, "the explorer's first dropdown has a single option"
        control.select_option(index=(current + 1) % count)
    elif kind == "checkbox":
        control.click()
    else:
        # a quarter of the range up (or down, near the top): the handle's aria range is rounded
        readout = control.locator(".widget-readout")
        handle = control.locator(".noUi-handle").first
        current = float(readout.inner_text())
        low, high = (float(handle.get_attribute(a)) for a in ("aria-valuemin", "aria-valuemax"))
        assert high > low, "the explorer's first slider has an empty range"
        step = 0.25 * (high - low)
        target = current + step if current + step <= high else current - step
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(f"{target:.4g}")
        page.keyboard.press("Enter")
    return kind


def explore(page, name):
    """The explorer of the open notebook redraws its figure when its first control moves."""
    box = page.locator(EXPLORER).first
    box.wait_for(timeout=60_000)
    image = box.locator(".widget-output img").first
    image.wait_for(timeout=60_000)
    before = image.get_attribute("src")
    kind = move_first_control(page, box)
    page.wait_for_function("""([selector, old]) => { const img = document.querySelector(selector + ' .widget-output img');
                                return img && img.complete && img.naturalWidth > 100 && img.src !== old; }""",
                           arg=[EXPLORER, before], timeout=60_000)
    box.scroll_into_view_if_needed()
    screenshot(page, f"lab-{name[:2]}-explore.png")
    return kind


@pytest.mark.parametrize("group", [
    pytest.param(["06_immune_bistability.ipynb", "01_modcap_ptq.ipynb", "05_photon_flow_v2.ipynb"], id="06-01-05"),
    pytest.param(["02_nextvit_latency.ipynb", "03_ompq_mixed_precision.ipynb", "04_pams_super_resolution.ipynb"],
                 id="02-03-04"),
])
def test_notebooks_run_in_jupyterlab_and_their_explorers_redraw(tmp_path, group):
    """Each notebook (smoke profile) runs all its cells in JupyterLab without an error and draws its
    figures; moving the first control of its Explore section redraws the explorer's figure."""
    work, home = tmp_path / "notebooks", tmp_path / "home"
    work.mkdir(), home.mkdir()
    for name in group:
        smoke_copy(NOTEBOOKS / name, work / name)
    progress = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from nbsupport.progress import progress_bar\n"
        "with progress_bar(3, 'steps') as bar:\n"
        "    for _ in range(3):\n"
        "        bar.update(1)")])
    progress.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(progress, work / "progress.ipynb")

    with jupyterlab(work, home) as (base, token), browser_page() as page:
        for name in group:
            open_in_lab(page, base, token, name)
            state = run_all_and_wait(page, timeout_s=240)
            screenshot(page, f"lab-{name[:2]}-after-run-all.png")
            assert state["errors"] == 0 and state["executed"] == state["cells"], (name, state)
            figures = page.evaluate("Array.from(document.querySelectorAll('.jp-OutputArea-output img'))"
                                    ".filter(i => i.complete && i.naturalWidth > 100).length")
            assert figures >= 1, f"{name}: no figure rendered in JupyterLab"
            explore(page, name)
            page.evaluate("window.jupyterapp.commands.execute('docmanager:save').then(() => true)")
            page.evaluate("window.jupyterapp.commands.execute('application:close-all').then(() => true)")
        if "06_immune_bistability.ipynb" in group:
            open_in_lab(page, base, token, "progress.ipynb")
            run_all_and_wait(page, timeout_s=60)
            assert page.locator(".jp-OutputArea-output .widget-hprogress").count() == 1, "the bar is not a widget in Lab"
            assert page.locator(".widget-html-content", has_text="steps: 100%").count() == 1

    for name in group:
        saved = nbformat.read(work / name, as_version=4)
        errors = [o for c in saved.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert not errors, (name, json.dumps(errors)[:2000])
