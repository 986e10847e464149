"""The batch runner on tiny notebooks: summaries, failures kept, bad input refused early."""

import json
import subprocess
import sys

import nbformat
import pytest

from nbsupport.run import notebook_parameters, parse_value


def write_notebook(path, parameters, body):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


GOOD = """
import nbsupport
nbsupport.setup(PROFILE, SEED, "auto", "", notebook="good", verbose=False,
                profiles={p: {"scale": 1.0} for p in ("smoke", "default", "paper")})
nbsupport.record("good.value", 2 * SCALE)
nbsupport.claim("doubles", "twice the scale is larger than the scale", 2 * SCALE > SCALE, f"{2 * SCALE} > {SCALE}")
"""
BAD = """
import nbsupport
nbsupport.setup(PROFILE, SEED, "auto", "", notebook="bad", verbose=False,
                profiles={p: {} for p in ("smoke", "default", "paper")})
nbsupport.record("bad.before_failure", 1)
raise RuntimeError("boom")
"""


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "nbsupport.run", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def two_notebooks(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_notebook(folder / "good.ipynb", 'PROFILE = "default"  # profile\nSEED = 0  # seed\nSCALE = 1.5  # a knob', GOOD)
    write_notebook(folder / "bad.ipynb", 'PROFILE = "default"  # profile\nSEED = 0  # seed', BAD)
    return folder


def test_a_failing_notebook_keeps_its_records_and_does_not_stop_the_others(two_notebooks, tmp_path):
    out = tmp_path / "runs"
    result = run("--notebooks-dir", two_notebooks, "--out", out, "--jobs", 2, "-p", "SCALE", "4", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    summary = {r["notebook"]: r for r in json.loads((out / "summary.json").read_text())["runs"]}
    good, bad = summary["good"], summary["bad"]
    assert good["status"] == "ok" and good["records"] == {"good.value": 8}
    assert good["parameters"] == {"SCALE": 4, "PROFILE": "default"}
    assert good["claims"][0]["verdict"] == "reproduced"
    assert bad["status"] == "failed" and "RuntimeError: boom" in bad["error"]
    assert bad["records"] == {"bad.before_failure": 1}
    assert (out / "bad.ipynb").exists() and (out / "good.ipynb").exists()
    csv_text = (out / "summary.csv").read_text()
    assert "good.value" in csv_text.splitlines()[0] and "bad.before_failure" in csv_text.splitlines()[0]
    assert "absent" in result.stdout and "06_immune_bistability" in result.stdout


def test_smoke_profile_is_injected_and_verdicts_are_withheld(two_notebooks, tmp_path):
    out = tmp_path / "runs"
    result = run(two_notebooks / "good.ipynb", "--out", out, "-p", "PROFILE", "smoke", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (entry,) = json.loads((out / "summary.json").read_text())["runs"]
    assert entry["profile"] == "smoke" and entry["claims"][0]["verdict"] == "not evaluated (smoke)"


@pytest.mark.parametrize("args, message", [
    (["-p", "SCALEE", "2"], "not in the parameters cell"),
    (["--jobs", "0"], "--jobs=0 is not allowed"),
    (["--profile", "fast"], "invalid choice: 'fast'"),
    (["-p", "PROFILE", "fast"], "PROFILE='fast' is not allowed"),
    (["nowhere.ipynb"], "not found"),
])
def test_bad_input_is_refused_before_any_notebook_runs(two_notebooks, tmp_path, args, message):
    out = tmp_path / "runs"
    result = run("--notebooks-dir", two_notebooks, "--out", out, *args, cwd=tmp_path)
    assert result.returncode != 0 and message in result.stderr + result.stdout
    assert not (out / "summary.json").exists()


def test_parameter_values_are_parsed_like_literals():
    assert parse_value("3") == 3 and parse_value("0.5") == 0.5 and parse_value("true") is True
    assert parse_value("[2, 4]") == [2, 4] and parse_value("None") is None and parse_value("resnet") == "resnet"


def test_notebook_parameters_reads_the_tagged_cell(two_notebooks):
    assert notebook_parameters(two_notebooks / "good.ipynb") == {"PROFILE": "default", "SEED": 0, "SCALE": 1.5}
