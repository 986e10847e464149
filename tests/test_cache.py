"""The model cache: round trip, corrupt files and configuration mismatches are rebuilt."""

import pytest

torch = pytest.importorskip("torch")

from nbsupport import cache  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NBSUPPORT_CACHE", str(tmp_path))


def build():
    return torch.nn.Linear(3, 2)


def test_round_trip_keeps_the_weights():
    model = build()
    cache.save_cached("toy", {"seed": 1}, model)
    loaded = cache.load_cached("toy", {"seed": 1}, build)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), loaded.state_dict().values()))
    assert cache.load_cached("toy", {"seed": 2}, build) is None


def test_corrupt_file_is_reported_and_rebuilt(capsys):
    path = cache.cache_path("toy", {"seed": 1})
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a torch file")
    assert cache.load_cached("toy", {"seed": 1}, build) is None
    assert "unusable" in capsys.readouterr().out


def test_file_of_another_configuration_is_not_used(capsys):
    cache.save_cached("toy", {"seed": 1}, build())
    other = cache.cache_path("toy", {"seed": 3})
    cache.cache_path("toy", {"seed": 1}).rename(other)
    assert cache.load_cached("toy", {"seed": 3}, build) is None
    assert "configuration differs" in capsys.readouterr().out
