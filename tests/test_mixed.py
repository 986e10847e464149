"""Mixed-precision weight swapping: exact swaps, restoration, grouping, and monotone damage."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nbsupport.models import build  # noqa: E402
from nbsupport.quant.mixed import MixedPrecision  # noqa: E402
from nbsupport.quant.quantizers import fake_quantize, mse_range  # noqa: E402


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    return build("resnet", 0.5).eval()


def test_swaps_are_the_quantized_weights_and_none_restores_fp(net):
    mp = MixedPrecision(net, [2, 3, 4])
    x = torch.randn(16, 1, 8, 8)
    fp_out = mp.apply(None).model(x)
    assert torch.allclose(fp_out, net(x), atol=1e-5)
    bits = [3] * len(mp.groups)
    mp.apply(bits)
    w = mp.fp_weights[2]
    assert torch.equal(mp.layers[2].weight, fake_quantize(w, *mse_range(w, 3, channel_axis=0), 3))
    assert torch.allclose(mp.apply(None).model(x), fp_out)


def test_groups_share_one_bit_width_and_sizes_add_up(net):
    n = len(MixedPrecision(net, [2, 4]).layers)
    groups = [[0, 1], *[[i] for i in range(2, n)]]
    mp = MixedPrecision(net, [2, 4], groups)
    assert mp.group_params.sum() == sum(w.numel() for w in mp.fp_weights)
    mp.apply([2] + [4] * (n - 2))
    assert torch.equal(mp.layers[1].weight, mp.table[1, 2])
    with pytest.raises(ValueError, match="cover"):
        MixedPrecision(net, [2, 4], [[0], [1]])
    with pytest.raises(ValueError, match="bit-widths for"):
        mp.apply([2, 4])


def test_output_error_shrinks_as_bits_grow(net):
    mp = MixedPrecision(net, [2, 3, 4, 8])
    x = torch.randn(64, 1, 8, 8)
    ref = mp.apply(None).model(x)
    errors = [float((mp.apply([b] * len(mp.groups)).model(x) - ref).pow(2).mean()) for b in (2, 3, 4, 8)]
    assert all(a > b for a, b in zip(errors, errors[1:]))
    assert np.isfinite(mp.evaluate([4] * len(mp.groups), x, torch.zeros(64, dtype=torch.long))[1])


def test_ompq_grouping_of_the_tiny_resnet_puts_each_downsample_with_its_conv2():
    from nbsupport.quant.mixed import first_layer_apart_groups
    from nbsupport.quant.wrap import QuantModel
    from nbsupport.models import units_of

    net = build("resnet_tiny", 1.0).eval()
    groups = first_layer_apart_groups(QuantModel(units_of(net), 8, 8))
    mp = MixedPrecision(net, [2, 3, 4], groups)
    # as the official cfg2params_perlayer groups a ResNet: stem, conv1 / conv2(+downsample) per block, fc
    assert mp.group_params.tolist() == [144, 2304, 2304, 4608, 9728, 18432, 38912, 640]


def test_partial_configurations_quantization_error_and_quantized_copy():
    from nbsupport.quant.mixed import first_layer_apart_groups

    torch.manual_seed(2)
    net = build("resnet_tiny", 1.0).eval()
    mp = MixedPrecision(net, [2, 3, 4], groups=first_layer_apart_groups)   # groups from the wrapped net
    n = len(mp.groups)
    one = [None] * n
    one[6] = 2                                                             # conv2 + downsample of block 3
    mp.apply(one)
    for i, layer in enumerate(mp.layers):
        expected = mp.table[i, 2] if i in mp.groups[6] else mp.fp_weights[i]
        assert torch.equal(layer.weight, expected)
    errors = [mp.quant_error(6, b) for b in (2, 3, 4)]
    assert errors[0] > errors[1] > errors[2] > 0
    bits = [4, 3, 4, 2, 3, 4, 2, 3]
    per_layer = mp.layer_bits(bits)
    assert all(per_layer[i] == bits[g] for g, group in enumerate(mp.groups) for i in group)
    copy = mp.quantized_copy(bits, torch.randn(32, 1, 8, 8))
    copy.set_quantization(weights=True, activations=False)
    for i, layer in enumerate(copy.layers()):   # round-to-nearest weights equal the swap table's
        assert layer.quantizer.bits == per_layer[i]
        assert torch.equal(layer.quantizer(layer.weight), mp.table[i, per_layer[i]])
    assert all(q.calibrated and q.bits == 8 for q in copy.act_quantizers())


def test_hawq_costs_weigh_the_quantization_error_by_the_trace_per_weight():
    from nbsupport.quant.mixed import first_layer_apart_groups, hawq_costs

    torch.manual_seed(3)
    net = build("resnet_tiny", 1.0).eval()
    mp = MixedPrecision(net, [2, 3, 4], groups=first_layer_apart_groups)
    x, y = torch.randn(16, 1, 8, 8), torch.randint(0, 10, (16,))
    costs = hawq_costs(mp, x, y, n_probes=2, generator=torch.Generator().manual_seed(0))
    assert costs.omega.shape == costs.dw2.shape == (len(mp.groups), 3) and costs.trace.shape == (len(mp.groups),)
    assert np.allclose(costs.omega, (costs.trace / mp.group_params)[:, None] * costs.dw2)
    assert np.all(np.diff(costs.dw2, axis=1) < 0)                 # more bits, smaller error
    assert not any(layer.weight.requires_grad for layer in mp.layers)
    again = hawq_costs(mp, x, y, n_probes=2, generator=torch.Generator().manual_seed(0))
    assert np.array_equal(again.trace, costs.trace)               # the probes come from the generator
