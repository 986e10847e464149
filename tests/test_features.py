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
