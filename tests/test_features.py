"""Feature taps for the orthogonality matrix."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nbsupport.models import build  # noqa: E402
from nbsupport.quant import ompq  # noqa: E402
from nbsupport.quant.features import capture, resnet_taps  # noqa: E402


def test_resnet_taps_follow_the_official_recipe_and_feed_the_orm():
    torch.manual_seed(0)
    net = build("resnet", 0.5).eval()
    taps = resnet_taps(net)
    assert list(taps)[:3] == ["stem", "block1.conv1", "block1.out"] and list(taps)[-1] == "logits"
    assert len(taps) == 1 + 2 * 6 + 1
    x = torch.randn(32, 1, 8, 8)
    feats = capture(net, x, taps)
    assert feats["logits"].shape == (32, 10)
    assert np.allclose(feats["logits"], net(x).detach().double().numpy(), atol=1e-6)
    assert np.all(feats["block1.conv1"] >= 0)  # post-ReLU
    orm = ompq.orm_matrix(list(feats.values()))
    assert orm.shape == (14, 14) and np.allclose(np.diag(orm), 1)


def test_a_tap_never_called_is_an_error():
    net = build("resnet", 0.5).eval()
    with pytest.raises(ValueError, match="never called"):
        capture(net, torch.randn(4, 1, 8, 8), {"orphan": torch.nn.ReLU()})


def test_wrapped_net_taps_match_the_full_precision_taps():
    from nbsupport.quant.wrap import QuantModel

    torch.manual_seed(1)
    net = build("resnet_tiny").eval()
    wrapped = QuantModel(net.units(), 8, 8).set_quantization(False, False).eval()
    x = torch.randn(16, 1, 8, 8)
    fp, wr = capture(net, x, resnet_taps(net)), capture(wrapped, x, resnet_taps(wrapped))
    assert list(fp) == list(wr) and len(fp) == 8
    for name in fp:      # BN folding changes rounding only
        assert np.allclose(fp[name], wr[name], atol=1e-4), name


@pytest.mark.parametrize("builder, n_taps", [("resnet18", 18), ("mobilenet_v2", 53)])
def test_torchvision_taps_follow_the_official_counts_and_grams_match(builder, n_taps):
    import torchvision

    from nbsupport.quant.features import capture_grams, torchvision_group_params, torchvision_taps

    torch.manual_seed(0)
    net = getattr(torchvision.models, builder)(weights=None).eval()
    taps = torchvision_taps(net)
    params = torchvision_group_params(net)
    assert len(taps) == n_taps == len(params)
    assert params.sum() == sum(m.weight.numel() for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)))
    x = torch.randn(4, 3, 32, 32)
    grams = capture_grams(net, x, taps)
    feats = capture(net, x, taps)
    for name in ("stem", "logits"):
        assert np.allclose(grams[name], feats[name] @ feats[name].T, rtol=1e-6)
    if builder == "resnet18":
        assert np.all(feats["block1.conv1"] >= 0)
