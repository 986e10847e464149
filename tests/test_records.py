"""Records and claims: validation, sidecar file, verdicts, the printed table."""

import json

import numpy as np
import pytest

from nbsupport import records


def test_record_converts_numpy_and_writes_the_sidecar(fresh_records):
    records.record("a.float", np.float64(0.5))
    records.record("a.bool", np.bool_(True))
    records.record("a.list", np.arange(3))
    records.record("a.nan", float("nan"))
    stored = json.loads(fresh_records.read_text())["records"]
    assert stored == {"a.float": 0.5, "a.bool": True, "a.list": [0, 1, 2], "a.nan": None}


def test_record_refuses_what_json_cannot_hold(fresh_records):
    with pytest.raises(ValueError, match="not JSON-serialisable"):
        records.record("x", object())
    with pytest.raises(ValueError, match="at most"):
        records.record("x", list(range(1000)))


def test_claim_needs_a_boolean_and_gets_a_verdict(fresh_records):
    with pytest.raises(ValueError, match="boolean"):
        records.claim("k", "statement", "yes", "evidence")
    records.claim("good", "it holds", np.bool_(True), "1 < 2")
    records.claim("bad", "it fails", False, "2 < 1")
    verdicts = {c["key"]: c["verdict"] for c in json.loads(fresh_records.read_text())["claims"]}
    assert verdicts == {"good": "reproduced", "bad": "not reproduced"}


def test_smoke_claims_are_not_evaluated(fresh_records, capsys):
    records.start_run(notebook="t", profile="smoke")
    records.claim("k", "statement", True, "e")
    text = records.format_claims_table()
    assert "not evaluated (smoke)" in text and "reproduced " not in text


def test_claims_table_carries_no_raw_numbers(fresh_records):
    records.claim("threshold_matches", "The fold sits at the closed form", True, "c=0.0894427191 vs 0.0894427191")
    text = records.format_claims_table()
    assert "0.0894" not in text and "1 of 1 claims reproduced" in text


def test_setup_starts_a_clean_run(fresh_records):
    records.record("old", 1)
    records.start_run(notebook="t", profile="default")
    assert records.all_records() == {} and records.all_claims() == []


def test_records_are_silent(fresh_records, capsys):
    records.record("a.value", 1.5)
    assert capsys.readouterr().out == ""


def test_undeclared_keys_are_refused_when_the_walkthrough_declares_its_records(fresh_records):
    from nbsupport.params import record_key

    records.start_run(notebook="t", profile="default", declared=[record_key("t.acc.<model>.<bits>", "%", "accuracy")])
    records.record("t.acc.resnet.2.5", 90.0)
    with pytest.raises(ValueError, match="'t.loss' is not declared by t"):
        records.record("t.loss", 1.0)


def test_a_claim_object_from_evaluate_claims_is_registered(fresh_records):
    item = records.claim(records.Claim("k", "it holds", True, "1 < 2"))
    assert item.verdict == "reproduced" and records.all_claims() == [item]
