"""Hutchinson's trace estimator against exact Hessian traces."""

import pytest

torch = pytest.importorskip("torch")

from nbsupport.quant.sensitivity import hutchinson_trace  # noqa: E402


def test_trace_of_a_diagonal_hessian_is_exact_with_one_probe():
    w = torch.randn(5, requires_grad=True)
    d = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    assert hutchinson_trace(lambda: 0.5 * (d * w * w).sum(), [w], 1)[0] == pytest.approx(15.0)


def test_trace_of_a_dense_hessian_converges_per_tensor():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(6, 6, generator=g)
    a = a @ a.T
    w1, w2 = torch.randn(6, requires_grad=True), torch.randn(3, requires_grad=True)
    traces = hutchinson_trace(lambda: 0.5 * w1 @ a @ w1 + (w2 ** 2).sum(), [w1, w2], 4000, g)
    assert traces[0] == pytest.approx(float(torch.trace(a)), rel=0.05)
    assert traces[1] == pytest.approx(6.0)


def test_at_least_one_probe():
    w = torch.randn(2, requires_grad=True)
    with pytest.raises(ValueError, match="n_probes"):
        hutchinson_trace(lambda: (w ** 2).sum(), [w], 0)
