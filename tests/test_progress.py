"""Progress bars: plain lines in batch runs (logs stay readable), tqdm.auto where a person watches."""

import io

from nbsupport import progress


def test_batch_bars_are_plain_lines_with_the_first_and_last_state(monkeypatch):
    monkeypatch.setenv("NBSUPPORT_BATCH", "1")
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    with progress.progress_bar(40, "events") as bar:
        for _ in range(40):
            bar.update(1)
    text = out.getvalue()
    lines = text.splitlines()
    assert "\r" not in text and "\x1b" not in text
    assert lines[0].startswith("events:") and "0/40" in lines[0]
    assert "100%" in lines[-1] and "40/40" in lines[-1]
    assert len(lines) == 2                      # batch bars print their first and last line only


def test_line_writer_drops_carriage_returns_and_cursor_moves():
    out = io.StringIO()
    writer = progress.LineWriter(out)
    writer.write("\rstep 1")
    writer.write("\x1b[A\rstep 2   ")
    writer.write("\n")
    assert out.getvalue() == "step 1\nstep 2\n"


def test_live_bars_come_from_tqdm_auto(monkeypatch):
    from tqdm.auto import tqdm

    monkeypatch.setenv("NBSUPPORT_BATCH", "0")
    with progress.progress_bar(3, "x", disable=True) as bar:
        assert isinstance(bar, tqdm)
