"""The site of a run folder: every executed notebook rendered with its figures inlined, and an index
with the runs, their claims and the sweep table."""

import json

import nbformat
import pytest

from nbsupport.batch import site

PNG_1PX = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def fake_run(folder, name, status, claims, swept):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A title"),
                                         nbformat.v4.new_code_cell("plot()", outputs=[nbformat.v4.new_output(
                                             "display_data", data={"image/png": PNG_1PX, "text/plain": "<Figure>"})])])
    nbformat.write(nb, folder / f"{name}.ipynb")
    return {"name": name, "notebook": "06_immune_bistability", "profile": "default", "status": status,
            "duration_s": 12.5, "records": {"immune.ybar": 10.0, "immune.c_pt_closed_form": 0.0894}, "claims": claims,
            "error": None if status == "ok" else "cell 3: ValueError: SEED=-1 is not allowed", "swept": swept,
            "output": f"elsewhere/{name}.ipynb", "parameters": swept}


def test_site_renders_notebooks_with_inlined_figures_and_an_index(tmp_path):
    claim = {"key": "bistable", "statement": "two stable states <b>", "holds": True, "evidence": "c in (0.09, 0.12)",
             "verdict": "reproduced"}
    runs = [fake_run(tmp_path, "06_immune_bistability__SEED-0", "ok", [claim], {"SEED": 0}),
            fake_run(tmp_path, "06_immune_bistability__SEED--1", "failed", [], {"SEED": -1})]
    (tmp_path / "summary.json").write_text(json.dumps({"runs": runs}))
    index = site.build(tmp_path)
    text = index.read_text()
    assert 'href="06_immune_bistability__SEED-0.html"' in text and 'class="failed"' in text
    assert "1 / 1" in text and "two stable states &lt;b&gt;" in text            # claims, escaped
    assert "id='sweep'" in text and "immune.ybar" in text and "SEED=-1 is not allowed" in text
    page = (tmp_path / "site" / "06_immune_bistability__SEED-0.html").read_text()
    assert "data:image/png;base64," in page and "A title" in page


def test_a_folder_without_a_summary_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="summary.json"):
        site.build(tmp_path)


def test_site_counts_each_claims_verdicts_over_several_runs(tmp_path):
    def claim(verdict):
        return {"key": "bistable", "statement": "two stable states", "holds": None, "evidence": "", "verdict": verdict}
    runs = [fake_run(tmp_path, f"06_immune_bistability__SEED-{s}", "ok", [claim(v)], {"SEED": s})
            for s, v in enumerate(["reproduced", "inconclusive", "reproduced"])]
    (tmp_path / "summary.json").write_text(json.dumps({"runs": runs}))
    text = site.build(tmp_path).read_text()
    assert "How robust is each claim" in text and "id='robustness'" in text
    row = text[text.index("id='robustness'"):].split("</tr>")[1]
    assert "<td class='reproduced'>2</td>" in row and "<td class='inconclusive'>1</td>" in row and "<td>3</td>" in row
    assert "1 / 1" in text and "0 / 1 (1 inconclusive)" in text
