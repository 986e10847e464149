"""Next-ViT: exact sizes, shapes, merge-BN, equivalence with timm's port, ablation blocks."""

import copy

import pytest
import torch
from torch import nn

from nbsupport import bench
from nbsupport.models import nextvit
from nbsupport.models import nextvit_blocks as blocks


@pytest.fixture(scope="module")
def small():
    torch.manual_seed(0)
    return nextvit.build("S").eval()


@pytest.mark.parametrize("variant", ["S", "B", "L"])
def test_parameter_counts_are_the_official_ones(variant):
    assert bench.count_params(nextvit.build(variant)) == nextvit.PAPER_PARAMS[variant]


def test_macs_match_the_papers_table_within_one_percent(small):
    # PyTorch's counter gives 5.794 G (fvcore, which also counts BN: 5.811; README 5.8)
    assert bench.count_macs(small, 224) / 1e9 == pytest.approx(5.8, rel=0.01)
    assert bench.count_macs(small, 384) / 1e9 == pytest.approx(17.3, rel=0.01)


def test_count_macs_of_a_single_convolution_is_its_closed_form():
    conv = nn.Conv2d(8, 16, 3, padding=1, bias=False)
    assert bench.count_macs(conv, (8, 10, 10)) == 16 * 8 * 9 * 10 * 10


@pytest.mark.parametrize("size, features", [(224, 7), (384, 12)])
def test_output_shapes_at_224_and_384(small, size, features):
    with torch.no_grad():
        x = torch.randn(1, 3, size, size)
        assert small(x).shape == (1, 1000)
        assert small.forward_features(x).shape == (1, 1024, features, features)


def test_stage_table_shows_49_key_value_tokens_in_every_ntb_at_224(small):
    rows = nextvit.stage_table(small, 224)
    assert [r["output"] for r in rows] == [(64, 56, 56), (96, 56, 56), (256, 28, 28), (512, 14, 14), (1024, 7, 7)]
    tokens = ", ".join(r["ntb_tokens"] for r in rows if r["ntb_tokens"])
    assert tokens == "784->49, 196->49, 196->49, 49->49"


def test_merge_bn_is_exact_on_random_statistics_and_removes_the_pre_norms(small):
    model = nextvit.randomise_bn_statistics(copy.deepcopy(small), seed=3)
    merged = nextvit.merge_bn(copy.deepcopy(model))
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        reference, out = model(x), merged(x)
    assert (reference - out).abs().max() < 1e-4 * reference.abs().max()
    before = sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    after = sum(isinstance(m, nn.BatchNorm2d) for m in merged.modules())
    assert before - after == 16 + 2 * 4          # 16 NCBs (norm) + 4 NTBs (norm1, norm2)
    assert not any(isinstance(m, nn.BatchNorm1d) for m in merged.modules())


def test_fold_affine_into_a_linear_layer_is_the_closed_form():
    layer = nn.Linear(3, 2)
    a, c = torch.tensor([2.0, -1.0, 0.5]), torch.tensor([0.1, 0.2, -0.3])
    x = torch.randn(4, 3)
    expected = layer(a * x + c)
    nextvit.fold_affine_into(layer, a, c)
    assert torch.allclose(layer(x), expected, atol=1e-6)


def test_our_small_equals_timms_nextvit_small_with_its_weights_loaded_by_order(small):
    timm = pytest.importorskip("timm")
    torch.manual_seed(1)
    reference = timm.create_model("nextvit_small", pretrained=False).eval()
    nextvit.randomise_bn_statistics(reference, seed=1)
    ours = nextvit.load_by_order(copy.deepcopy(small), reference.state_dict())
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        assert torch.equal(ours(x), reference(x))


def test_one_dimensional_pooling_is_the_official_row_wrapping_average():
    # on an 8x8 ramp, AvgPool1d(4) over raster order vs a true 2x2 pool (bytedance/Next-ViT#2)
    ramp = torch.arange(64.0).reshape(1, 64, 1)
    one_d = blocks.EMHSA(32, 32, sr=2, pool="1d")
    two_d = blocks.EMHSA(32, 32, sr=2, pool="2d")
    for m in (one_d, two_d):
        m.norm = nn.Identity()
    tokens = ramp.expand(1, 64, 32)
    assert one_d.reduce(tokens, (8, 8))[0, :4, 0].tolist() == [1.5, 5.5, 9.5, 13.5]
    assert two_d.reduce(tokens, (8, 8))[0, :4, 0].tolist() == [4.5, 6.5, 8.5, 10.5]
    with pytest.raises(ValueError, match="cannot be pooled"):
        one_d.reduce(tokens[:, :3], (1, 3))


@pytest.mark.parametrize("block", ["bottleneck", "convnext", "poolformer"])
def test_ablation_blocks_have_the_ncbs_macs_within_five_percent(block):
    x = (192, 28, 28)
    ncb = bench.count_macs(blocks.NCB(192, 192), x)
    other = bench.count_macs(blocks.CONV_BLOCKS[block](192, 192), x)
    assert other == pytest.approx(ncb, rel=0.05)


@pytest.mark.parametrize("options", [dict(block="bottleneck"), dict(norm="ln", act="gelu"), dict(pool="2d"),
                                     dict(ntb_block="ncb"), dict(block="transformer")])
def test_ablation_variants_of_s_build_and_run(options):
    model = nextvit.build("S", **options).eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, 64, 64)).shape == (1, 1000)


def test_tiny_model_is_small_and_takes_32x32_digits():
    tiny = nextvit.build("tiny").eval()
    assert 0.3e6 < bench.count_params(tiny) < 0.4e6
    with torch.no_grad():
        assert tiny(torch.randn(2, 1, 32, 32)).shape == (2, 10)


@pytest.mark.parametrize("kwargs, message", [
    (dict(variant="XL"), "variant='XL' is not allowed"),
    (dict(variant="S", norm="gn"), "norm='gn' is not allowed"),
    (dict(variant="S", block="mlp"), "block='mlp' is not allowed"),
    (dict(variant="S", depth=3), "unknown option 'depth'"),
])
def test_bad_options_name_the_parameter(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nextvit.build(**kwargs)


def test_onnx_export_of_our_next_vit_matches_eager():
    pytest.importorskip("onnxruntime")
    torch.manual_seed(0)
    tiny = nextvit.randomise_bn_statistics(nextvit.build("tiny")).eval()
    prepared = bench.prepare("tiny", tiny, torch.randn(2, 1, 32, 32), "onnxruntime")
    assert prepared.max_abs_diff < 1e-4
