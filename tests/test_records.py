"""Records and claims: validation, sidecar file, verdicts, the printed table."""

import json

import numpy as np
import pytest

from nbsupport import records, verdicts

HOLDS = verdicts.exact(True, "1 < 2")
FAILS = verdicts.exact(False, "2 < 1")
UNSURE = verdicts.paired([0.1, -0.1, 0.05], margin=0.0)


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


def test_a_claim_needs_a_decision_and_gets_its_verdict(fresh_records):
    with pytest.raises(ValueError, match="Decision"):
        records.Claim("k", "statement", True)
    with pytest.raises(ValueError, match="takes a Claim"):
        records.claim("k")
    records.claim(records.Claim("good", "it holds", HOLDS))
    records.claim(records.Claim("bad", "it fails", FAILS))
    records.claim(records.Claim("unsure", "within the noise", UNSURE))
    stored = {c["key"]: c for c in json.loads(fresh_records.read_text())["claims"]}
    assert {k: c["verdict"] for k, c in stored.items()} == {
        "good": "reproduced", "bad": "not reproduced", "unsure": "inconclusive"}
    assert stored["unsure"]["holds"] is None and stored["unsure"]["n"] == 3
    assert stored["unsure"]["interval"][0] < 0 < stored["unsure"]["interval"][1]
    assert records.format_claims_table().endswith("1 of 3 claims reproduced, 1 not reproduced, 1 inconclusive")


def test_smoke_claims_are_not_evaluated(fresh_records, capsys):
    records.start_run(notebook="t", profile="smoke")
    item = records.claim(records.Claim("k", "statement", HOLDS))
    text = records.format_claims_table()
    assert "not evaluated (smoke)" in text and "reproduced " not in text
    assert item.verdict == "not evaluated (smoke)" and item.decision.verdict == "reproduced"


def test_claims_table_carries_no_raw_numbers(fresh_records):
    records.claim(records.Claim("threshold_matches", "The fold sits at the closed form",
                                verdicts.exact(True, "c=0.0894427191 vs 0.0894427191")))
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
    item = records.claim(records.Claim("k", "it holds", HOLDS))
    assert item.verdict == "reproduced" and records.all_claims() == [item]


def test_claims_decided_on_timings_are_marked(fresh_records):
    from nbsupport import verdicts

    records.claim(records.Claim("faster", "A is faster than B", verdicts.timing([1.0, 1.1, 1.0], [2.0, 2.1, 2.2])))
    records.claim(records.Claim("exact", "A is exact", HOLDS))
    text = records.format_claims_table()
    rows = {line.split()[0]: line for line in text.splitlines()[2:4]}
    assert "reproduced [timed]" in rows["faster"] and "[timed]" not in rows["exact"]
    assert text.splitlines()[-1].startswith("[timed] decided on this machine's timings")
