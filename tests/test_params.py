"""Declared parameters and records (nbsupport.params): checks, profiles, rules, patterns, tables."""

import pytest

from nbsupport.params import COMMON, Params, describe_records, knob, record_key


def params(*knobs, rules=()):
    return Params("nb", list(knobs), rules=list(rules))


def test_a_literal_knob_sits_in_the_cell_and_a_profile_knob_is_none_there():
    p = params(knob("RATE", float, "a rate", value=0.5), knob("N", int, "count", smoke=1, default=10, paper=100))
    assert p.cell_defaults() == {"PROFILE": "default", "SEED": 0, "DEVICE": "auto", "DATA_DIR": "", "RATE": 0.5,
                                 "N": None}
    assert p.names == [*COMMON, "RATE", "N"]


def test_profile_values_and_overrides_resolve():
    p = params(knob("N", int, "count", smoke=1, default=10, paper=100, low=1))
    assert p.resolve({"PROFILE": "smoke"})["N"] == 1
    assert p.resolve({"PROFILE": "paper", "N": None})["N"] == 100
    assert p.resolve({"N": 7})["N"] == 7


@pytest.mark.parametrize("declaration, value, message", [
    (dict(kind=int, low=1), 0, "N=0 is not allowed; N must be an integer >= 1"),
    (dict(kind=int, low=1), 2.5, "N=2.5 is not allowed"),
    (dict(kind=int, low=1), True, "N=True is not allowed"),
    (dict(kind=float, above=0.0, below=1.0), 1.0, "N must be a number > 0 and < 1"),
    (dict(kind=str, choices=("a", "b")), "c", "N must be one of 'a', 'b'"),
    (dict(kind=int, low=32, high=512, multiple_of=32), 100, "in 32 .. 512 and a multiple of 32"),
    (dict(kind=list, item=int, choices=(2, 4, 8)), [2, 3], "N=[2, 3] is not allowed (3 is not allowed)"),
    (dict(kind=list, item=int, length=(2, 2)), [2], "a list of 2 items"),
    (dict(kind=list, item=int), "2,4", "N='2,4' is not allowed"),
    (dict(kind=bool), "yes", "N must be True or False"),
])
def test_bad_values_are_named_with_what_is_allowed(declaration, value, message):
    kind = declaration.pop("kind")
    default = {int: 64 if "multiple_of" in declaration else 1, float: 0.5, str: "a", bool: True,
               list: [2, 2] if declaration.get("length") else [2]}[kind]
    p = params(knob("N", kind, "n", value=default, **declaration))
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")
                       .replace(")", r"\)").replace(".", r"\.")):
        p.resolve({"N": value})


def test_ints_are_accepted_for_floats_and_become_floats():
    assert params(knob("X", float, "x", value=1.0)).resolve({"X": 2})["X"] == 2.0


def test_none_is_refused_unless_the_knob_is_nullable():
    assert params(knob("X", int, "x", value=None, nullable=True)).resolve({})["X"] is None
    with pytest.raises(TypeError, match="profile's value is refused"):
        knob("X", int, "x", value=None)


def test_unknown_parameters_and_rules():
    def needs_data(values):
        if values["PROFILE"] == "paper" and not values["DATA_DIR"]:
            raise ValueError("the paper profile needs DATA_DIR")

    p = params(knob("N", int, "n", value=1), rules=[needs_data])
    with pytest.raises(ValueError, match="NN is not a parameter of nb"):
        p.resolve({"NN": 1})
    with pytest.raises(ValueError, match="needs DATA_DIR"):
        p.resolve({"PROFILE": "paper"})


def test_a_declaration_that_breaks_its_own_limits_is_a_programming_error():
    with pytest.raises(TypeError, match="smoke profile's value is refused"):
        knob("N", int, "n", smoke=0, default=1, paper=1, low=1)
    with pytest.raises(TypeError, match="declared twice"):
        params(knob("N", int, "n", value=1), knob("N", int, "n", value=1))


def test_record_patterns_take_dotted_variable_parts():
    key = record_key("ompq.acc.<method>.<budget>", "%", "accuracy")
    assert key.matches("ompq.acc.ompq.2.5") and key.matches("ompq.acc.size_only.3.0")
    assert not key.matches("ompq.acc") and not key.matches("ompq.percentile.ompq.2.5")


def test_describe_lists_every_parameter_and_record():
    p = params(knob("N", int, "how many", smoke=1, default=10, paper=100, low=1, unit="events"))
    text = p.describe()
    assert "N " in text and "events" in text and "how many" in text and "an integer >= 1" in text
    assert "PROFILE" in text.splitlines()[2]
    assert "t.x" in describe_records([record_key("t.x", "s", "seconds taken", when="in the default profile")])
