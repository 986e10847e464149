"""PAMS' symmetric quantizers and EDSR: level counts, round trips, the PAMS and PACT gradients,
calibration, placement, student initialisation and compression ratios."""

import pytest
import torch

from nbsupport.models import edsr
from nbsupport.quant import symmetric


@pytest.mark.parametrize("bits, q", [(8, 127), (4, 7), (3, 3), (2, 1)])
def test_levels_and_the_number_of_codes_used(bits, q):
    assert symmetric.levels(bits) == q
    w = torch.linspace(-1, 1, 10_001)
    assert len(torch.unique(symmetric.quantize_weight(w, bits))) == 2 * q + 1


@pytest.mark.parametrize("bits", [2, 4, 8])
def test_weight_round_trip_is_idempotent_and_within_half_a_step(bits):
    w = torch.randn(64, 32)
    wq = symmetric.quantize_weight(w, bits)
    step = w.abs().max() / symmetric.levels(bits)
    assert (wq - w).abs().max() <= step / 2 + 1e-6
    assert torch.allclose(symmetric.quantize_weight(wq, bits), wq, atol=1e-6)


@pytest.mark.parametrize("bits", [1, 9, 4.0, True])
def test_impossible_bit_widths_are_refused(bits):
    with pytest.raises(ValueError, match="is not allowed; bit-widths are integers from 2 to 8"):
        symmetric.ActQuant(bits)


def test_weight_gradient_is_straight_through():
    w = torch.randn(10, requires_grad=True)
    symmetric.quantize_weight(w, 4).sum().backward()
    assert torch.equal(w.grad, torch.ones(10))


def test_pams_gradient_is_the_closed_form_of_the_official_code():
    # hand-made tensor: inside the range and on both sides of it (none exactly at +-alpha, where
    # autograd splits the gradient of min/max between its arguments), alpha = 2, 4 bits (q = 7)
    x = torch.tensor([-3.0, -2.5, -1.3, -0.2, 0.0, 0.45, 1.0, 1.9, 2.1, 5.0], requires_grad=True)
    quant = symmetric.ActQuant(4, "pams")
    quant.alpha.data.fill_(2.0)
    y = quant(x)
    y.sum().backward()
    q, a = 7, 2.0
    inside = x.detach().abs() < a
    expected_q = torch.round(torch.clamp(x.detach(), -a, a) * q / a) * a / q
    assert torch.allclose(y.detach(), expected_q)
    d_alpha = torch.where(inside, (expected_q - x.detach()) / a, torch.sign(x.detach()))
    assert quant.alpha.grad == pytest.approx(float(d_alpha.sum()), abs=1e-5)
    assert torch.equal(x.grad, inside.float())


def test_pact_gradient_comes_only_from_clipped_elements():
    x = torch.tensor([-3.0, -1.0, 0.3, 1.5, 2.5, 4.0])
    quant = symmetric.ActQuant(4, "pact")
    quant.alpha.data.fill_(2.0)
    quant(x).sum().backward()
    assert float(quant.alpha.grad) == pytest.approx(-1 + 1 + 1)          # one below, two above


def test_calibration_sets_alpha_from_the_data_without_clipping():
    x = torch.stack([torch.full((4, 3, 3), 2.0), torch.full((4, 3, 3), -6.0)])
    pams = symmetric.ActQuant(4, "pams")
    pams.calibrating = True
    assert torch.equal(pams(x), x)                                      # nothing clipped or rounded
    assert float(pams.alpha.detach()) == pytest.approx(4.0)             # mean of per-sample max |x|
    minmax = symmetric.ActQuant(4, "minmax")
    minmax.calibrating = True
    minmax(x)
    minmax(x / 2)
    assert float(minmax.alpha) == pytest.approx(0.9 * 6 + 0.1 * 3)      # EMA of the batch max
    assert not isinstance(minmax.alpha, torch.nn.Parameter)


def test_minmax_tracks_its_range_only_while_training_with_tracking_on():
    quant = symmetric.ActQuant(4, "minmax")
    quant.alpha.fill_(1.0)
    quant.seen = 1
    quant.track = True
    quant.train()
    quant(torch.full((2, 3), 11.0))
    assert float(quant.alpha) == pytest.approx(0.9 + 1.1)
    quant.eval()
    quant(torch.full((2, 3), 50.0))
    assert float(quant.alpha) == pytest.approx(2.0)


def test_edsr_baseline_x4_has_the_papers_size_and_compression():
    assert sum(p.numel() for p in edsr.EDSR(edsr.BASELINE_X4).parameters()) == 1_517_571
    quantized = edsr.EDSR(edsr.BASELINE_X4, bits=8)
    ratios = [symmetric.model_compression_ratio(quantized, b) for b in (8, 4, 2)]
    assert ratios == pytest.approx([2.398, 3.127, 3.687], abs=1e-3)     # paper: 2.42x at 8 bits


def test_compression_ratio_closed_form_and_bad_input():
    assert symmetric.compression_ratio(100, 100, 8) == 4.0
    assert symmetric.compression_ratio(100, 0, 4) == 1.0
    with pytest.raises(ValueError, match="quantized_params=101"):
        symmetric.compression_ratio(100, 101, 8)


def test_student_starts_from_the_teacher_and_8_bit_output_is_close():
    torch.manual_seed(0)
    teacher = edsr.EDSR(edsr.TINY_X2).eval()
    lr = torch.rand(2, 3, 16, 16) * 255
    student = edsr.student_from(teacher, 8, "pams").eval()
    assert torch.equal(student.body[0].conv1.weight, teacher.body[0].conv1.weight)
    symmetric.set_calibrating(student, True)
    student(lr)
    symmetric.set_calibrating(student, False)
    with torch.no_grad():
        sr_t, feat_t = teacher(lr)
        sr_s, feat_s = student(lr)
    assert sr_s.shape == (2, 3, 32, 32) and feat_s.shape == feat_t.shape
    assert (sr_s - sr_t).abs().max() < 1.0                              # 8 bits: well under one grey level


def test_corrected_and_official_placements_feed_conv1_differently():
    torch.manual_seed(0)
    x = torch.randn(1, 8, 6, 6) * 40
    blocks = {p: edsr.ResBlock(8, bits=2, act_mode="pams", placement=p) for p in edsr.PLACEMENTS}
    blocks["official"].load_state_dict(blocks["corrected"].state_dict())
    seen = {}
    for name, block in blocks.items():
        block.quant_in.alpha.data.fill_(10.0)
        block.conv1.register_forward_hook(lambda m, inp, out, name=name: seen.__setitem__(name, inp[0]))
        block(x)
    assert torch.equal(seen["official"], x)
    assert len(torch.unique(seen["corrected"])) <= 3                    # 2 bits: ternary input
    with pytest.raises(ValueError, match="placement='paper' is not allowed"):
        edsr.ResBlock(8, bits=4, placement="paper")
