"""pyproject.toml and environment.yml declare the same packages with the same version ranges."""

import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from conftest import ROOT

CONDA_TO_PIP = {"pytorch": "torch"}  # conda-forge names that differ from PyPI's
NOT_PACKAGES = {"python", "pip"}


def pyproject_requirements() -> dict[str, SpecifierSet]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines += extra
    return {Requirement(line).name.lower(): Requirement(line).specifier for line in lines}


def conda_requirements() -> dict[str, SpecifierSet]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    found = {}
    for item in env["dependencies"]:
        if not isinstance(item, str):
            continue  # the pip section installs the package itself
        name, *rest = item.split()
        if name in NOT_PACKAGES:
            continue
        found[CONDA_TO_PIP.get(name, name).lower()] = SpecifierSet(rest[0] if rest else "")
    return found


def test_both_files_list_the_same_packages():
    pip, conda = pyproject_requirements(), conda_requirements()
    assert sorted(pip) == sorted(conda), (
        f"only in pyproject: {sorted(set(pip) - set(conda))}; only in environment.yml: {sorted(set(conda) - set(pip))}")


def test_both_files_use_the_same_version_ranges():
    pip, conda = pyproject_requirements(), conda_requirements()
    differ = {name: (str(pip[name]), str(conda[name])) for name in pip if name in conda and pip[name] != conda[name]}
    assert not differ, f"ranges differ (pyproject, environment.yml): {differ}"


def test_exact_pins_live_only_in_the_constraints_file():
    pinned = [name for name, spec in pyproject_requirements().items() if any(s.operator == "==" for s in spec)]
    assert not pinned
    constraints = (ROOT / "constraints.txt").read_text()
    assert "torch==2.14.1" in constraints and "torchvision==0.29.1" in constraints
