"""Training pieces of the PAMS walkthrough: the cached teacher (and a corrupt cache rebuilt), every
quantized arm from it."""

import pytest
import torch

from nbsupport.sr import images, train

TINY = train.Recipe(teacher_steps=3, steps=2, calib_batches=1, batch=2)


@pytest.fixture(scope="module")
def data():
    train_hr, test_hr = images.bundled_split()
    pairs = train.train_pairs(TINY, {k: v[:, :96, :96] for k, v in train_hr.items()})
    test = {k: (lr[:, :16, :16], hr[:, :32, :32]) for k, (lr, hr) in images.test_pairs(test_hr, 2).items()}
    return pairs, test


def test_teacher_is_cached_and_a_corrupt_cache_file_is_rebuilt(data, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NBSUPPORT_CACHE", str(tmp_path))
    pairs, _ = data
    first, from_cache, _ = train.train_teacher(TINY, pairs, seed=0)
    assert not from_cache
    again, from_cache, _ = train.train_teacher(TINY, pairs, seed=0)
    assert from_cache and all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), again.state_dict().values()))
    (path,) = list((tmp_path / train.TEACHER_CACHE_KIND).glob("*.pt"))
    path.write_bytes(b"not a checkpoint")
    rebuilt, from_cache, _ = train.train_teacher(TINY, pairs, seed=0)
    assert not from_cache and "unusable" in capsys.readouterr().out
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), rebuilt.state_dict().values()))


@pytest.mark.parametrize("arm", train.ARMS)
def test_every_arm_starts_from_the_teacher_and_reports_its_clips(data, arm, tmp_path, monkeypatch):
    monkeypatch.setenv("NBSUPPORT_CACHE", str(tmp_path))
    pairs, test = data
    teacher, _, _ = train.train_teacher(TINY, pairs, seed=0)
    student, trajectory = train.quantize(teacher, arm, 4, pairs, TINY, seed=0)
    assert not student.training and student.bits == 4
    assert torch.equal(student.body[0].conv1.weight, teacher.body[0].conv1.weight) == (arm == "ptq_minmax")
    assert len(trajectory[-1]) == 3 * TINY.n_resblocks
    assert len(trajectory) == (1 if arm == "ptq_minmax" else 1 + TINY.steps)
    score = train.evaluate(student, test, TINY.scale)
    assert 10 < score.psnr < 60 and 0 < score.ssim <= 1 and set(score.per_image_psnr) == set(test)


def test_unknown_arm_is_refused():
    with pytest.raises(ValueError, match="arm 'dorefa' is not allowed"):
        train.check_arm("dorefa")
