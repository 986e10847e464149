"""bench: the latency helper with known sleeps, interleaving, backend equivalence checks, bad input."""

import time

import pytest
import torch
from torch import nn

from nbsupport import bench


class Sleeper(nn.Module):
    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def forward(self, x):
        time.sleep(self.seconds)
        return x * 2


class DropsWorkInExport(nn.Module):
    """Mimics the official Next-ViT pitfall: a step skipped while exporting to ONNX."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Linear(4, 4)

    def forward(self, x):
        return x if torch.onnx.is_in_onnx_export() else self.scale(x)


def test_a_known_sleep_is_measured_in_wall_time_and_not_in_cpu_time():
    prepared = bench.prepare("sleep", Sleeper(0.02), torch.ones(1, 3))
    timing = bench.measure({"sleep": prepared.run}, warmup=1, rounds=5)["sleep"].summary()
    assert timing["calls"] == 5
    assert 19.5 <= timing["wall_median_ms"] <= 30
    assert timing["cpu_median_ms"] < 5


def test_interleaved_rounds_rotate_the_order():
    calls = []
    candidates = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    bench.measure(candidates, warmup=0, rounds=3)
    assert calls == list("abc" "bca" "cab")
    calls.clear()
    bench.measure(candidates, warmup=0, rounds=2, interleave=False)
    assert calls == list("aabbcc")


def test_per_image_summary_divides_by_the_batch():
    t = bench.Timing("x", wall=[0.08, 0.08], cpu=[0.04, 0.04])
    assert t.summary(per=8)["wall_median_ms"] == pytest.approx(10.0)


def test_torchscript_and_onnxruntime_agree_with_eager_on_a_small_cnn():
    pytest.importorskip("onnxruntime")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(8, 5)).eval()
    x = torch.randn(2, 3, 16, 16)
    for backend in ("torchscript", "onnxruntime"):
        prepared = bench.prepare("cnn", model, x, backend)
        assert prepared.max_abs_diff < 1e-5
        assert prepared.prepare_s > 0


def test_an_onnx_export_that_disagrees_with_eager_is_refused():
    pytest.importorskip("onnxruntime")
    with pytest.raises(bench.BackendMismatch, match="refusing to time"):
        bench.prepare("quirk", DropsWorkInExport().eval(), torch.randn(2, 4), "onnxruntime")


@pytest.mark.parametrize("call, message", [
    (lambda: bench.prepare("m", nn.Identity(), torch.ones(1), "tensorrt"), "backend='tensorrt' is not allowed"),
    (lambda: bench.prepare("m", nn.Identity(), torch.ones(1), "compile"), "opt-in"),
    (lambda: bench.prepare("m", nn.Identity(), torch.ones(1), threads=0), "threads=0 is not allowed"),
    (lambda: bench.measure({"m": lambda: None}, threads=-2), "threads=-2 is not allowed"),
])
def test_bad_input_names_the_parameter(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_environment_records_threads_and_versions():
    facts = bench.environment(1)
    assert facts["threads"] == 1 and facts["torch"] == torch.__version__ and facts["cpu"]
