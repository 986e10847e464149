"""The quantization core: quantizers, AdaRound, BN folding, wrapping, reconstruction, selection."""

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from nbsupport.models import build, units_of  # noqa: E402
from nbsupport.quant import adaround, selection  # noqa: E402
from nbsupport.quant.quantizers import ActQuantizer, WeightQuantizer, fake_quantize, mse_range, qparams, round_ste  # noqa: E402
from nbsupport.quant.reconstruct import ReconConfig, reconstruct, unit_loss, unit_losses_without_reconstruction  # noqa: E402
from nbsupport.quant.wrap import QuantModel, fold_bn  # noqa: E402


@pytest.mark.parametrize("bits", range(2, 9))
def test_quantizer_has_2_to_the_b_levels_inside_the_range(bits):
    x = torch.linspace(-3, 5, 10001)
    scale, zp = qparams(x.min(), x.max(), bits)
    levels = torch.unique(fake_quantize(x, scale, zp, bits))
    assert len(levels) == 2**bits
    assert levels.min() >= -3 - scale and levels.max() <= 5 + scale
    assert torch.all(torch.isclose(levels / scale, torch.round(levels / scale), atol=1e-3))


@pytest.mark.parametrize("bits", [1, 9, 2.5, True])
def test_impossible_bit_width_is_refused(bits):
    with pytest.raises(ValueError, match="bit-widths are integers from 2 to 8"):
        ActQuantizer(bits)


def test_quantization_is_idempotent_and_error_shrinks_with_bits():
    x = torch.randn(1000)
    errors = []
    for bits in range(2, 9):
        s, z = mse_range(x, bits)
        once = fake_quantize(x, s, z, bits)
        assert torch.allclose(fake_quantize(once, s, z, bits), once, atol=1e-6)
        errors.append(float((once - x).pow(2).mean()))
    assert all(a > b for a, b in zip(errors, errors[1:]))


def test_straight_through_rounding_passes_gradients_unchanged():
    x = torch.tensor([0.2, 1.7, -2.4], requires_grad=True)
    round_ste(x).sum().backward()
    assert torch.equal(round_ste(x.detach()), torch.round(x.detach()))
    assert torch.equal(x.grad, torch.ones(3))


def test_mse_range_per_channel_is_no_worse_than_min_max():
    w = torch.randn(8, 4, 3, 3) * torch.arange(1, 9).reshape(8, 1, 1, 1)
    w[0, 0, 0, 0] = 30.0  # an outlier in channel 0
    s, z = mse_range(w, 3, channel_axis=0)
    s0, z0 = qparams(w.amin(dim=(1, 2, 3)), w.amax(dim=(1, 2, 3)), 3)
    err = (fake_quantize(w, s, z, 3) - w).abs().pow(2.4).mean(dim=(1, 2, 3))
    err0 = (fake_quantize(w, s0.reshape(-1, 1, 1, 1), z0.reshape(-1, 1, 1, 1), 3) - w).abs().pow(2.4).mean(dim=(1, 2, 3))
    assert torch.all(err <= err0 + 1e-7) and err[0] < err0[0]


def test_adaround_starts_at_the_fp_weight_and_hardens_to_nearest():
    w = torch.randn(6, 3, 3, 3)
    q = WeightQuantizer(w, 4)
    nearest = q(w)
    q.init_adaround(w)
    frac = w / q.scale - torch.floor(w / q.scale)
    assert torch.allclose(adaround.rectified_sigmoid(q.alpha), frac, atol=1e-5)
    q.mode = "hard"  # V0 >= 0 exactly when frac >= 0.5: nearest rounding
    assert torch.allclose(q(w), nearest, atol=1e-6)


def test_rectified_sigmoid_and_regulariser_limits():
    v = torch.tensor([-50.0, 0.0, 50.0])
    assert torch.equal(adaround.rectified_sigmoid(v), torch.tensor([0.0, 0.5, 1.0]))
    assert float(adaround.rounding_regulariser(torch.tensor([-50.0, 50.0]), 2.0)) == 0.0
    assert float(adaround.rounding_regulariser(torch.tensor([0.0]), 2.0)) == 1.0


def test_beta_schedule_is_off_in_warm_up_then_decays_from_20_to_2():
    assert adaround.beta_schedule(0, 1000) is None and adaround.beta_schedule(199, 1000) is None
    assert adaround.beta_schedule(200, 1000) == pytest.approx(20.0)
    assert adaround.beta_schedule(1000, 1000) == pytest.approx(2.0)
    assert adaround.cosine_lr(4e-5, 0, 100) == pytest.approx(4e-5) and adaround.cosine_lr(4e-5, 100, 100) == pytest.approx(0)


def trained_like(model):
    """Give BN layers non-trivial statistics so folding is really tested."""
    torch.manual_seed(0)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return model.eval()


@pytest.mark.parametrize("arch", ["resnet", "mbv2"])
def test_bn_folding_preserves_outputs(arch):
    net = trained_like(build(arch, 0.5))
    x = torch.randn(16, 1, 8, 8)
    for unit in units_of(net):
        folded = fold_bn(unit)
        assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
        assert torch.allclose(folded(x), unit(x), atol=1e-5)
        x = unit(x)


def test_bn_folding_matches_torchs_fuse_conv_bn_eval():
    """fold_conv_bn is torch.nn.utils.fuse_conv_bn_eval up to rounding (see its docstring for why it stays)."""
    from torch.nn.utils import fuse_conv_bn_eval

    from nbsupport.quant.wrap import fold_conv_bn

    net = trained_like(build("resnet", 0.5))
    block = units_of(net)[3]                # conv-BN pairs in the body and in the 1x1 shortcut
    for conv, bn in [(block.body[0], block.body[1]), (block.body[3], block.body[4]),
                     (block.shortcut[0], block.shortcut[1])]:
        ours, theirs = fold_conv_bn(conv, bn), fuse_conv_bn_eval(conv, bn)
        assert torch.allclose(ours.weight, theirs.weight, atol=1e-6)
        assert torch.allclose(ours.bias, theirs.bias, atol=1e-6)
        x = torch.randn(8, conv.in_channels, 8, 8)
        assert torch.allclose(ours(x), bn(conv(x)), atol=1e-5)


@pytest.mark.parametrize("arch", ["resnet", "mbv2"])
def test_wrapped_model_without_quantization_is_the_fp_network(arch):
    net = trained_like(build(arch, 0.5))
    x = torch.randn(32, 1, 8, 8)
    q = QuantModel(units_of(net), 2, 4)
    q.calibrate_activations(x)
    assert torch.allclose(q.set_quantization(False, False)(x), net(x), atol=1e-5)
    assert not torch.allclose(q.set_quantization(True, True)(x), net(x), atol=1e-2)


def test_first_and_last_layers_and_their_inputs_stay_at_8_bits():
    q = QuantModel(units_of(build("mbv2", 0.5)), 2, 4)
    layers = list(q.layers())
    assert layers[0].quantizer.bits == 8 and layers[-1].quantizer.bits == 8
    assert {l.quantizer.bits for l in layers[1:-1]} == {2}
    assert q.units[0].input_quant.bits == 8
    head_acts = q.units[-1].act_quantizers()
    assert head_acts[-1].bits == 8 and head_acts[0].bits == 4


def test_residual_add_output_is_quantized_once_for_all_its_consumers():
    q = QuantModel(units_of(build("resnet", 0.5)), 4, 4)
    block = q.units[1]  # a BasicBlock: its input feeds conv1 and the identity shortcut
    graph = str(block.body.graph)
    assert block.input_quant is not None and "act_quant" in graph
    assert len(block.act_quantizers()) == 2  # the unit input and the conv2 input


def test_merged_units_compute_the_same_function_as_unmerged_at_full_precision():
    net = trained_like(build("mbv2", 0.5))
    x = torch.randn(32, 1, 8, 8)
    q = QuantModel(units_of(net), 4, 4)
    q.set_quantization(False, False)
    units = list(q.units)
    groups = selection.merge_groups(len(units), [3, 4, 8])
    y_groups = x
    for g in groups:
        for i in g:
            y_groups = units[i](y_groups)
    assert torch.allclose(y_groups, net(x), atol=1e-5)


def test_reconstruction_lowers_a_units_loss_on_a_toy_problem():
    torch.manual_seed(0)
    net = trained_like(build("resnet", 0.5))
    calib = torch.randn(128, 1, 8, 8)
    q = QuantModel(units_of(net), 2, 4)
    q.calibrate_activations(calib)
    before = unit_losses_without_reconstruction(copy.deepcopy(q), calib).unit_losses[:2]
    after = reconstruct(q, calib, [(0,), (1,)] + [(i,) for i in range(2, len(q.units))],
                        ReconConfig(iters=150, lam=0.01, lr_v=1e-2), seed=0)
    assert after.unit_losses[1] < 0.8 * before[1]
    assert all(layer.quantizer.mode == "hard" for layer in q.layers())
    assert len(after.unit_energies) == len(q.units) and all(e > 0 for e in after.unit_energies)


def test_unit_loss_sums_channels_and_averages_the_rest():
    y = torch.zeros(2, 3, 4, 4)
    assert float(unit_loss(y + 1.0, y)) == pytest.approx(3.0)


def test_topk_takes_only_positive_differentials_and_refuses_too_large_k():
    d = selection.loss_differentials([1.0, 5.0, 3.0, 9.0, 2.0, 4.0])  # -4, 2, -6, 7, -2
    assert selection.select_topk(d, 2) == [1, 3]
    assert selection.select_topk(d, 4) == [1, 3]  # only two are positive
    assert selection.select_topk(d, 1, allowed=[1, 2]) == [1]
    with pytest.raises(ValueError, match="K=6 is not allowed"):
        selection.select_topk(d, 6)


def test_merge_groups_chains_pairs_into_runs():
    assert selection.merge_groups(6, [1, 2, 4]) == [(0,), (1, 2, 3), (4, 5)]
    assert selection.merge_groups(3, []) == [(0,), (1,), (2,)]
    with pytest.raises(ValueError, match="do not exist"):
        selection.merge_groups(3, [2])


def test_data_free_modcap_counts_parameters_bits_and_stride():
    cap = selection.modcap_data_free([[(100, 2, 1)], [(100, 2, 2), (10, 8, 1)]], stride_penalty=1.0)
    assert cap.tolist() == [200.0, 100.0 + 80.0]
    assert selection.capacity_differentials(cap).tolist() == [-20.0]


def test_random_pairs_are_distinct_block_pairs():
    rng = np.random.default_rng(0)
    for _ in range(20):
        pairs = selection.random_pairs(13, 3, rng)
        assert len(set(pairs)) == 3 and all(1 <= p <= 10 for p in pairs)


def test_data_free_capacity_reads_bits_and_strides_of_the_wrapped_net():
    from nbsupport.quant.ptq import data_free_capacity, layer_stats

    net = build("resnet", 0.5)
    cap = data_free_capacity(net, 2, 4, stride_penalty=1.0)
    stats = layer_stats(QuantModel(units_of(net), 2, 4))
    assert len(cap) == 8 and stats[0][0][1] == 8 and stats[-1][-1][1] == 8   # first and last layers at 8 bits
    assert cap.tolist() == selection.modcap_data_free(stats, 1.0).tolist()
    assert np.all(data_free_capacity(net, 2, 4, stride_penalty=0.0) >= cap)   # strides only ever discount


def test_unknown_method_is_refused():
    from nbsupport.quant.ptq import check_method

    with pytest.raises(ValueError, match="method 'adaquant' is not allowed"):
        check_method("adaquant")


@pytest.mark.parametrize("builder, size, n_units", [
    ("resnet18", 64, 10),      # stem, 8 BasicBlocks, head
    ("mobilenet_v2", 32, 18),  # stem + features.1, features.2..17, head
])
def test_torchvision_models_wrap_and_run_end_to_end(builder, size, n_units):
    torchvision = pytest.importorskip("torchvision")
    net = trained_like(getattr(torchvision.models, builder)(weights=None, num_classes=10))
    x = torch.randn(2, 3, size, size)
    q = QuantModel(units_of(net), 4, 4)
    q.calibrate_activations(x)
    assert torch.allclose(q.set_quantization(False, False)(x), net(x), atol=1e-4)
    y = q.set_quantization(True, True)(x)
    assert y.shape == (2, 10) and torch.isfinite(y).all()
    assert len(q.units) == n_units
