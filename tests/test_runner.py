"""The batch runner on tiny notebooks: summaries, failures kept, bad input refused early."""

import json
import subprocess
import sys
import time

import nbformat
import pytest

from conftest import NOTEBOOKS, ROOT
from nbsupport.batch.jobs import notebook_parameters, parse_value


def write_notebook(path, parameters, body):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


GOOD = """
import types
import nbsupport
from nbsupport.params import Params, knob, record_key
walkthrough = types.SimpleNamespace(PARAMS=Params("good", [knob("SCALE", float, "a knob", value=1.5)]),
                                    RECORDS=[record_key("good.value", "", "twice the scale")])
nbsupport.setup(walkthrough, globals(), verbose=False)
nbsupport.record("good.value", 2 * SCALE)
from nbsupport.verdicts import exact
nbsupport.claim(nbsupport.Claim("doubles", "twice the scale is larger than the scale", exact(2 * SCALE > SCALE, f"{2 * SCALE} > {SCALE}")))
"""
BAD = """
import types
import nbsupport
from nbsupport.params import Params, record_key
walkthrough = types.SimpleNamespace(PARAMS=Params("bad", []), RECORDS=[record_key("bad.before_failure", "", "")])
nbsupport.setup(walkthrough, globals(), verbose=False)
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
    common = 'PROFILE = "default"  # profile\nSEED = 0  # seed\nDEVICE = "auto"  # device\nDATA_DIR = ""  # data\n'
    write_notebook(folder / "good.ipynb", common + "SCALE = 1.5  # a knob", GOOD)
    write_notebook(folder / "bad.ipynb", common, BAD)
    return folder


def test_a_failing_notebook_keeps_its_records_and_does_not_stop_the_others(two_notebooks, tmp_path):
    out = tmp_path / "runs"
    result = run("--notebooks-dir", two_notebooks, "--out", out, "--jobs", 2, "-p", "SCALE", "4", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    summary = {r["notebook"]: r for r in json.loads((out / "summary.json").read_text())["runs"]}
    good, bad = summary["good"], summary["bad"]
    assert good["status"] == "ok" and good["records"] == {"good.value": 8}, good["error"]
    assert good["parameters"] == {"SCALE": 4, "PROFILE": "default"}
    assert good["claims"][0]["verdict"] == "reproduced"
    assert bad["status"] == "failed" and "RuntimeError: boom" in bad["error"]
    assert bad["records"] == {"bad.before_failure": 1}
    assert (out / "bad.ipynb").exists() and (out / "good.ipynb").exists()
    csv_text = (out / "summary.csv").read_text()
    assert "good.value" in csv_text.splitlines()[0] and "bad.before_failure" in csv_text.splitlines()[0]
    assert "absent" in result.stdout and "06_immune_bistability" in result.stdout
    for noise in ("without encryption", "KeyboardInterrupt", "[IPKernelApp]"):   # clean batch logs
        assert noise not in result.stdout + result.stderr


def test_smoke_profile_is_injected_and_verdicts_are_withheld(two_notebooks, tmp_path):
    out = tmp_path / "runs"
    result = run(two_notebooks / "good.ipynb", "--out", out, "-p", "PROFILE", "smoke", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (entry,) = json.loads((out / "summary.json").read_text())["runs"]
    assert entry["profile"] == "smoke" and entry["claims"][0]["verdict"] == "not evaluated (smoke)"


@pytest.mark.parametrize("args, message", [
    (["-p", "SCALEE", "2"], "not in the parameters cell"),
    (["--jobs", "0"], "--jobs=0 is not allowed"),
    (["--profile", "fast"], "PROFILE='fast' is not allowed"),
    (["-p", "PROFILE", "fast"], "PROFILE='fast' is not allowed"),
    (["nowhere.ipynb"], "not found"),
])
def test_bad_input_is_refused_before_any_notebook_runs(two_notebooks, tmp_path, args, message):
    out = tmp_path / "runs"
    result = run("--notebooks-dir", two_notebooks, "--out", out, *args, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr
    assert not (out / "summary.json").exists()


def test_parameter_values_are_parsed_like_literals():
    assert parse_value("3") == 3 and parse_value("0.5") == 0.5 and parse_value("true") is True
    assert parse_value("[2, 4]") == [2, 4] and parse_value("None") is None and parse_value("resnet") == "resnet"


def test_notebook_parameters_reads_the_tagged_cell(two_notebooks):
    assert notebook_parameters(two_notebooks / "good.ipynb") == {"PROFILE": "default", "SEED": 0, "DEVICE": "auto",
                                                                 "DATA_DIR": "", "SCALE": 1.5}


def test_an_empty_value_stays_an_empty_string():
    assert parse_value("") == "" and parse_value("''") == ""


@pytest.mark.parametrize("notebook, args, message", [
    ("06_immune_bistability", ["-p", "B", "-0.2"], "B=-0.2 is not allowed; B must be a number > 0"),
    ("06_immune_bistability", ["-g", "EPS", "0.2,1.5"], "EPS=1.5 is not allowed"),
    ("06_immune_bistability", ["-p", "DATA_DIR", "/nowhere/at/all"], "DATA_DIR='/nowhere/at/all' is not an existing"),
    ("01_modcap_ptq", ["-p", "W_BITS", "9"], "W_BITS=9 is not allowed"),
    ("01_modcap_ptq", ["-p", "K", "11"], "K=11 is not allowed"),
    ("02_nextvit_latency", ["-p", "BACKEND", "tensorrt"], "'tensorrt'"),
    ("02_nextvit_latency", ["-p", "THREADS", "0"], "THREADS=0 is not allowed"),
    ("02_nextvit_latency", ["-p", "MODELS", '["nextvit_s", "vgg16"]'], "vgg16"),
    ("04_pams_super_resolution", ["-p", "BITS", "[8, 9]"], "BITS=[8, 9] is not allowed"),
    ("04_pams_super_resolution", ["-p", "ARMS", '["pams", "dorefa"]'], "dorefa"),
    ("04_pams_super_resolution", ["--profile", "paper"], "the paper profile needs DATA_DIR"),
])
def test_collection_notebooks_refuse_bad_values_within_a_second_without_a_kernel(tmp_path, notebook, args, message):
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "nbsupport.run", notebook, "--notebooks-dir", str(NOTEBOOKS),
                             "--out", str(tmp_path / "runs"), *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    elapsed = time.perf_counter() - started
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and notebook in result.stderr
    assert not (tmp_path / "runs").exists()
    assert elapsed < 3.0, f"refusal took {elapsed:.2f} s"   # about 0.3 s here; slack for a loaded machine


def test_describe_prints_parameters_and_records_of_every_notebook():
    result = subprocess.run([sys.executable, "-m", "nbsupport.run", "--describe", "--notebooks-dir", str(NOTEBOOKS)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for stem in (p.stem for p in NOTEBOOKS.glob("*.ipynb")):
        assert f"# {stem}" in result.stdout
    assert "## parameters" in result.stdout and "## records" in result.stdout and "immune.c_pt_closed_form" in result.stdout


def test_saved_widget_state_is_dropped_from_executed_copies(tmp_path):
    from nbsupport.batch.jobs import strip_widget_state

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    strip_widget_state(path)
    assert "widgets" not in nbformat.read(path, as_version=4).metadata
