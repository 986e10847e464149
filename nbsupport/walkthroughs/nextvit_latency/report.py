"""Notebook 02's tables, figures, the paper's numbers beside ours, and the claims.

The paper's numbers, each with where it is published:

- Next-ViT S/B/L: the ImageNet-1K table of the official README (bytedance/Next-ViT ``README.md``,
  "Image Classification"), which gives FLOPs (fvcore multiply-accumulates, computed by
  ``classification/utils.py: cal_flops_params_with_fvcore``), parameters (truncated to one
  decimal: 57.874 M reads 57.8), TensorRT and CoreML latency and top-1 at 224 and 384. TensorRT:
  FP16, batch 8 (README "Deployment and Latency Measurement", ``deployment/export_tensorrt_engine.py``;
  the README does not name the GPU). CoreML: iPhone 12 Pro Max, iOS 16.0, batch 1.
- The peers: read by eye from the README's Figure 2 (``images/result.png``, the accuracy-latency
  trade-off; about +-0.3 ms and +-0.05 %), ImageNet-1K top-1 at 224 and TensorRT latency per batch
  of 8. The model behind each point is inferred from its accuracy, which matches the model's own
  paper. Swin-T is not in that figure; its accuracy is the Swin paper's (arXiv 2103.14030, Table 1)
  and is labelled so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nbsupport.records import Claim
from nbsupport.verdicts import Decision, all_of, exact, proportion, timing

# ----------------------------------------------------------------------------- the paper's numbers

README_TABLE = "README ImageNet-1K table"
# (variant, input) -> value, from the README's ImageNet-1K table
PAPER_MACS_G = {("S", 224): 5.8, ("B", 224): 8.3, ("L", 224): 10.8, ("S", 384): 17.3, ("B", 384): 24.6,
                ("L", 384): 32.0}
PAPER_PARAMS_M = {"S": 31.7, "B": 44.8, "L": 57.8}          # truncated
PAPER_TRT_MS = {("S", 224): 7.7, ("B", 224): 10.5, ("L", 224): 13.0, ("S", 384): 21.6, ("B", 384): 29.6,
                ("L", 384): 36.0}
PAPER_COREML_MS = {("S", 224): 3.5, ("B", 224): 4.5, ("L", 224): 5.5, ("S", 384): 8.9, ("B", 384): 12.4,
                   ("L", 384): 15.2}
PAPER_TOP1 = {"S": 82.5, "B": 83.2, "L": 83.6}              # ImageNet-1K at 224


@dataclass(frozen=True)
class PaperPoint:
    """One model's point in the paper's accuracy-latency comparison."""

    top1: float | None         # ImageNet-1K top-1 at 224 (None: no paper point)
    trt_ms: float | None       # TensorRT FP16 latency per batch of 8 (None: not in the figure)
    source: str                # where the numbers come from


_FIG2 = "README Figure 2 (read by eye)"
PAPER_POINTS = {
    "nextvit_s": PaperPoint(82.5, 7.7, "README (exact)"),
    "nextvit_b": PaperPoint(83.2, 10.5, "README (exact)"),
    "nextvit_l": PaperPoint(83.6, 13.0, "README (exact)"),
    "resnet101": PaperPoint(80.8, 7.8, _FIG2),
    "resnet152": PaperPoint(81.7, 11.2, _FIG2),
    "convnext_t": PaperPoint(82.1, 19.1, _FIG2),
    "convnext_s": PaperPoint(83.1, 28.1, _FIG2),
    "efficientformer_l7": PaperPoint(83.3, 17.5, _FIG2),
    "poolformer_s24": PaperPoint(80.3, 15.0, _FIG2),
    "poolformer_s36": PaperPoint(81.4, 21.9, _FIG2),
    "pvt_v2_b2": PaperPoint(82.0, 34.5, _FIG2),
    "pvt_v2_b3": PaperPoint(83.2, 55.8, _FIG2),
    "twins_svt_s": PaperPoint(81.7, 17.5, _FIG2),
    "twins_svt_b": PaperPoint(83.2, 32.0, _FIG2),
    "deit_s": PaperPoint(79.8, 11.4, _FIG2),
    "regnety_8g": PaperPoint(81.7, 11.3, _FIG2),
    "swin_t": PaperPoint(81.3, None, "Swin paper (not in Next-ViT's figure)"),
}


def macs_diff_pct(size) -> float:
    """Our MACs against the README's, in per cent (2 decimals)."""
    return round(100 * (size.gmacs / PAPER_MACS_G[(size.variant, size.input)] - 1), 2)


# ----------------------------------------------------------------------------- tables

def sizes_table(sizes) -> pd.DataFrame:
    """Our exact parameter and MAC counts beside the official code's and the README's."""
    return pd.DataFrame([{
        "model": f"Next-ViT-{s.variant}", "input": s.input, "params (ours)": s.params,
        "params, official code": s.official_params, "paper params (M)": PAPER_PARAMS_M[s.variant],
        "GMACs (ours)": round(s.gmacs, 3), "paper GMACs": PAPER_MACS_G[(s.variant, s.input)],
        "MACs diff %": macs_diff_pct(s)} for s in sizes])


def merge_table(merge) -> pd.DataFrame:
    """Per backend and model: the recorded latency, the wall-time spread, the preparation time and
    the deviation of the prepared backend from eager."""
    rows = []
    for key, timing in merge.timings.items():
        s, prepared = timing.summary(), merge.prepared[key]
        rows.append({"backend": key[0], "model": key[1], "ms (recorded)": round(merge.ms[key], 1),
                     "wall median": round(s["wall_median_ms"], 1),
                     "wall p10-p90": f"{s['wall_p10_ms']:.0f}-{s['wall_p90_ms']:.0f}",
                     "prepare s": round(prepared.prepare_s, 1), "max |out - eager|": f"{prepared.max_abs_diff:.1e}"})
    return pd.DataFrame(rows)


def block_table(blocks) -> pd.DataFrame:
    """MACs, latency and latency relative to the NCB: one row per block, one column group per input."""
    frame = pd.DataFrame([{"input": b.input, "block": b.block, "MMACs": b.mmacs, "ms": b.ms, "vs NCB": b.vs_ncb}
                          for b in blocks])
    return frame.pivot(index="block", columns="input", values=["MMACs", "ms", "vs NCB"])


def swap_table(swaps) -> pd.DataFrame:
    first = swaps[0].key
    return pd.DataFrame([{"key": s.key, "variant": s.label, "GMACs": s.gmacs, "ms": s.ms, "min ms": s.min_ms,
                          f"vs {first}": s.vs_first} for s in swaps])


def peer_rows(study) -> list[dict]:
    """Each timed model with our CPU numbers and the paper's accuracy and TensorRT latency."""
    return [{"model": r.model, "family": r.family, "GMACs": r.gmacs, "CPU ms (ours)": r.ms,
             "fastest call ms": r.min_ms, "wall ms p10-p90": f"{r.wall_p10_ms:.0f}-{r.wall_p90_ms:.0f}",
             "paper top-1 %": PAPER_POINTS[r.model].top1, "paper TensorRT ms": PAPER_POINTS[r.model].trt_ms,
             "paper source": PAPER_POINTS[r.model].source} for r in study.rows]


def peer_table(study) -> pd.DataFrame:
    return pd.DataFrame(peer_rows(study)).sort_values("CPU ms (ours)")


def batch8_table(rows, study) -> pd.DataFrame:
    ms = study.ms
    return pd.DataFrame([{"model": r.model, "batch 1 ms": ms.get(r.model), "batch 8 ms per image": round(r.ms_per_image, 1),
                          "paper TensorRT ms per batch of 8": PAPER_POINTS[r.model].trt_ms} for r in rows])


# ----------------------------------------------------------------------------- figures

def plot_tradeoff(study):
    """Left: our CPU latency against the paper's top-1. Right: the paper's TensorRT panel."""
    import matplotlib.pyplot as plt

    from nbsupport.plotting import COLORS, FIGSIZE_WIDE

    rows = peer_rows(study)
    fig, axes = plt.subplots(1, 2, figsize=(FIGSIZE_WIDE[0], 4.6))
    families = sorted({r["family"] for r in rows})
    markers = dict(zip(families, "osD^v<>ph*Xd"))
    others = [c for c in plt.get_cmap("tab10").colors if c != plt.get_cmap("tab10").colors[3]]   # red is Next-ViT's
    colours = dict(zip([f for f in families if f != "Next-ViT"], others * 2))
    threads = study.threads
    for ax, key, title in ((axes[0], "CPU ms (ours)", f"this CPU: {study.backend}, {threads} thread{'s' if threads > 1 else ''}, batch 1"),
                           (axes[1], "paper TensorRT ms", "paper: TensorRT FP16, batch 8 (README Figure 2)")):
        for fam in families:
            pts = sorted([r for r in rows if r["family"] == fam and r[key] and r["paper top-1 %"]], key=lambda r: r[key])
            if not pts:
                continue
            colour = COLORS["unstable"] if fam == "Next-ViT" else colours[fam]
            ax.plot([r[key] for r in pts], [r["paper top-1 %"] for r in pts], marker=markers[fam],
                    label=fam, color=colour, lw=2.5 if fam == "Next-ViT" else 1.2)
        ax.set_xlabel(f"latency [ms] ({'measured here' if 'ours' in key else 'paper, read from its figure'})")
        ax.set_title(title)
    axes[0].set_ylabel("ImageNet-1K top-1 [%] (paper reports)")
    axes[1].legend(loc="lower right", fontsize="x-small", ncol=2)
    return fig


def plot_latency_vs_macs(study):
    import matplotlib.pyplot as plt

    from nbsupport.plotting import COLORS

    fig, ax = plt.subplots()
    for r in study.rows:
        colour = COLORS["unstable"] if r.family == "Next-ViT" else COLORS["ours"]
        ax.scatter(r.gmacs, r.ms, color=colour, s=30)
        ax.annotate(r.model, (r.gmacs, r.ms), fontsize=7, xytext=(3, 2), textcoords="offset points")
    ax.set_xlabel("GMACs (PyTorch counter)")
    ax.set_ylabel("CPU time per image [ms]")
    if len(study.rows) >= 3:
        from nbsupport.verdicts import spearman

        rho = spearman([r.gmacs for r in study.rows], [r.ms for r in study.rows])
        ax.set_title(f"CPU latency against MACs: Spearman rank correlation {rho:.2f} over {len(study.rows)} models")
    else:
        ax.set_title("CPU latency against MACs")
    return fig


def plot_confusion(matrix: np.ndarray):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    image = ax.imshow(matrix, cmap="Blues")
    for (i, j), n in np.ndenumerate(matrix):
        if n:
            ax.text(j, i, str(n), ha="center", va="center", fontsize=7, color="white" if n > matrix.max() / 2 else "black")
    ax.set_xticks(range(len(matrix)))
    ax.set_yticks(range(len(matrix)))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title("tiny Next-ViT on the held-out digits")
    ax.grid(False)
    fig.colorbar(image, ax=ax, shrink=0.8, label="images")
    return fig


# ----------------------------------------------------------------------------- the explorer
# Every number the explorer draws was timed above (sections 4 and 6); moving a control only picks
# among them, so a redraw is one matplotlib figure.

@dataclass(frozen=True)
class ExplorerModel:
    """One model of the latency study (section 6) as the explorer draws it."""

    model: str
    family: str
    gmacs: float
    ms: float                  # recorded latency on the study's backend


@dataclass
class ExplorerState:
    """What the explorer picks from: every model timed on the study's backend (section 6) and
    Next-ViT-S unmerged and merged on each merge-BN backend (section 4, timed interleaved)."""

    backend: str                                   # the backend of the latency study
    threads: int
    input_size: int
    models: tuple[ExplorerModel, ...]              # the study's models, in its order
    merge_ms: dict[tuple[str, str], float]         # (backend, "unmerged" or "merged") -> ms of Next-ViT-S

    @property
    def backends(self) -> tuple[str, ...]:
        """Every backend with a timing: the study's first, then the merge-BN backends."""
        extra = [b for b, _ in self.merge_ms if b != self.backend]
        return tuple(dict.fromkeys([self.backend, *extra]))


def explorer_state(study, merge) -> ExplorerState:
    """The explorer's state from the latency study (``experiment.run``) and the merge-BN study."""
    return ExplorerState(study.backend, study.threads, study.input_size,
                         tuple(ExplorerModel(r.model, r.family, r.gmacs, r.ms) for r in study.rows),
                         dict(merge.ms))


def explorer_points(state: ExplorerState, backend: str | None = None, merge_bn: bool = False,
                    models=None) -> tuple[list[dict], list[str]]:
    """The points one setting of the controls shows, and remarks on what was not timed there.

    Next-ViT-S comes from the merge-BN timings (section 4) wherever it was timed there, so that
    toggling ``merge_bn`` compares two variants timed in the same interleaved rounds; elsewhere (and
    the other models always) from the latency study (section 6). merge_bn applies to Next-ViT-S only."""
    backend = backend or state.backend
    chosen = [m for m in state.models if models is None or m.model in set(models)]
    label = "merged" if merge_bn else "unmerged"
    points, remarks, not_here = [], [], []
    for m in chosen:
        if m.model == "nextvit_s" and (backend, label) in state.merge_ms:
            ms, source = state.merge_ms[(backend, label)], "section 4"
        elif backend == state.backend and not (m.model == "nextvit_s" and merge_bn):
            ms, source = m.ms, "section 6"
        else:
            if m.model == "nextvit_s":
                remarks.append(f"Next-ViT-S {label} was not timed on {backend}")
            else:
                not_here.append(m.model)
            continue
        name = f"{m.model} ({label})" if m.model == "nextvit_s" else m.model
        points.append({"model": m.model, "name": name, "family": m.family, "gmacs": m.gmacs, "ms": ms,
                       "ms_per_gmac": ms / m.gmacs if m.gmacs > 0 else float("nan"), "source": source,
                       "top1": PAPER_POINTS[m.model].top1})
    if not_here:
        remarks.append(f"{len(not_here)} model{'s' if len(not_here) > 1 else ''} timed on {state.backend} only")
    if merge_bn and any(m.model in ("nextvit_b", "nextvit_l") for m in chosen):
        remarks.append("merge_bn applies to Next-ViT-S only")
    return points, remarks


def explorer_figure(state: ExplorerState, backend: str | None = None, merge_bn: bool = False, models=None):
    """Left: CPU latency against the paper's top-1 for the chosen models on the chosen backend
    (Next-ViT-S's other merge_bn variant hollow, an arrow to the one shown). Right: the per-MAC
    cost of each, a bar per model with its ms, GMACs and ms per GMAC written beside it."""
    import matplotlib.pyplot as plt

    from nbsupport.plotting import COLORS, FIGSIZE_WIDE

    backend = backend or state.backend
    points, remarks = explorer_points(state, backend, merge_bn, models)
    red, blue = COLORS["unstable"], COLORS["ours"]
    colour = lambda p: red if p["family"] == "Next-ViT" else blue   # noqa: E731
    threads = f"{state.threads} thread{'s' if state.threads > 1 else ''}"
    fig, (left, right) = plt.subplots(1, 2, figsize=(FIGSIZE_WIDE[0], 4.6), gridspec_kw={"width_ratios": [1.1, 1]})
    fig.suptitle(f"{backend}, merge_bn {'on' if merge_bn else 'off'}: {len(points)} model"
                 f"{'s' if len(points) != 1 else ''} at {state.input_size}x{state.input_size}, batch 1, {threads}")

    for p in points:
        left.scatter(p["ms"], p["top1"], color=colour(p), s=45 if p["family"] == "Next-ViT" else 30, zorder=3)
        left.annotate(p["name"], (p["ms"], p["top1"]), fontsize=7, xytext=(4, 3), textcoords="offset points")
    shown = next((p for p in points if p["model"] == "nextvit_s"), None)
    other = state.merge_ms.get((backend, "unmerged" if merge_bn else "merged"))
    if shown is not None and other is not None:
        left.scatter(other, shown["top1"], facecolors="none", edgecolors=red, s=45, zorder=2,
                     label=f"Next-ViT-S {'unmerged' if merge_bn else 'merged'} (the other merge_bn setting)")
        left.annotate("", (shown["ms"], shown["top1"]), xytext=(other, shown["top1"]),
                      arrowprops=dict(arrowstyle="->", color=red, lw=1))
        left.legend(loc="best", fontsize="x-small")
    left.set_xlabel(f"CPU time per image [ms] (measured here, {backend})")
    left.set_ylabel("ImageNet-1K top-1 [%] (paper reports)")
    left.set_title("latency against accuracy" + (f"\n({'; '.join(remarks)})" if remarks else ""))

    rows = sorted(points, key=lambda p: p["ms_per_gmac"])
    if rows:
        y = np.arange(len(rows))
        per = [p["ms_per_gmac"] for p in rows]
        right.barh(y, per, color=[colour(p) for p in rows], height=0.6)
        for i, p in enumerate(rows):
            v = p["ms_per_gmac"]
            right.text(v, i, f"  {p['ms']:.1f} ms / {p['gmacs']:.2f} G = {v:.{2 if v < 10 else 1}f}",
                       va="center", fontsize=7)
        right.set_yticks(y, [p["name"] for p in rows], fontsize=7)
        right.set_xlim(0, 1.9 * max(per))
        pad = max(0.6, (5 - len(rows)) / 2)           # a few bars stay thin and centred
        right.set_ylim(-pad, len(rows) - 1 + pad)
    else:
        right.set_yticks([])
        for ax in (left, right):
            ax.text(0.5, 0.5, "no model timed for this setting", transform=ax.transAxes, ha="center", va="center")
    right.set_xlabel("CPU time per GMAC [ms/GMAC]")
    right.set_title("per-MAC table: ms / GMACs (PyTorch counter)")
    right.grid(axis="y", visible=False)
    return fig


def explorer(state: ExplorerState, backend: str | None = None, merge_bn: bool = False, models=None):
    """A merge_bn checkbox (first: it has two values in every profile), a backend dropdown (the
    backends timed) and a model picker above an output that redraws :func:`explorer_figure`; None
    without ipywidgets."""
    try:
        import ipywidgets as widgets
    except ImportError:
        return None
    import matplotlib.pyplot as plt

    names = [m.model for m in state.models]
    merged = widgets.Checkbox(value=merge_bn, description="merge_bn (Next-ViT-S merged)", indent=False)
    backend_box = widgets.Dropdown(options=list(state.backends), value=backend or state.backend, description="backend")
    picker = widgets.SelectMultiple(options=names, value=tuple(n for n in names if models is None or n in models),
                                    rows=min(8, max(2, len(names))), description="models")
    out = widgets.Output()

    def redraw(change=None):
        with out:
            out.clear_output(wait=True)
            explorer_figure(state, backend=backend_box.value, merge_bn=merged.value, models=picker.value)
            plt.show()

    for control in (merged, backend_box, picker):
        control.observe(redraw, names="value")
    redraw()
    box = widgets.VBox([merged, backend_box, picker, out])
    box.add_class("nbsupport-explorer")   # the browser tests find every notebook's explorer by it
    return box


# ----------------------------------------------------------------------------- paper vs ours

def paper_vs_ours(sizes, peer_ms: dict, merge, tiny_accuracy: float) -> pd.DataFrame:
    """One table: the paper's numbers (with their source) beside this run's."""
    rows = []
    for s in sizes:
        v, name = s.variant, f"Next-ViT-{s.variant} @{s.input}"
        rows.append((f"{name}: parameters", f"{PAPER_PARAMS_M[v]} M ({README_TABLE}, truncated)",
                     f"{s.params / 1e6:.3f} M"))
        rows.append((f"{name}: MACs", f"{PAPER_MACS_G[(v, s.input)]} G ({README_TABLE}, fvcore)", f"{s.gmacs:.3f} G"))
        if s.input == 224 and f"nextvit_{v.lower()}" in peer_ms:
            rows.append((f"{name}: latency", f"TensorRT {PAPER_TRT_MS[(v, 224)]} ms / batch 8; CoreML "
                         f"{PAPER_COREML_MS[(v, 224)]} ms ({README_TABLE})",
                         f"CPU {peer_ms[f'nextvit_{v.lower()}']:.0f} ms / image"))
    for name in ("resnet101", "convnext_t", "deit_s", "efficientformer_l7"):
        if name in peer_ms and "nextvit_s" in peer_ms:
            ratio = PAPER_POINTS[name].trt_ms / PAPER_POINTS["nextvit_s"].trt_ms
            rows.append((f"{name} / Next-ViT-S latency ratio", f"{ratio:.2f} on TensorRT (README Figure 2, read by eye)",
                         f"{peer_ms[name] / peer_ms['nextvit_s']:.2f} on this CPU"))
    rows.append(("merge_bn, max output difference", "not reported (exact in exact arithmetic: W diag(a) x + W c + b)",
                 f"{merge.max_abs_diff:.1e}"))
    rows.append(("Next-ViT-S ImageNet top-1", f"{PAPER_TOP1['S']} % ({README_TABLE})", "not measured (no ImageNet here)"))
    rows.append(("tiny Next-ViT, digits test accuracy", "not in the paper", f"{tiny_accuracy:.1f} %"))
    return pd.DataFrame(rows, columns=["quantity", "paper reports", "this notebook"])


# ----------------------------------------------------------------------------- claims
# Each claim's decision is a small function of plain numbers (per-round times in ms, counts), so
# that it can be tested on hand-built inputs; ``evaluate_claims`` only picks the numbers out of the
# studies. Every latency comparison goes through ``verdicts.timing``: the ratio of the medians of
# two candidates timed in the same interleaved rounds, with a paired bootstrap interval over the
# rounds widened by the run-to-run drift of a median (5 %), so that a difference this machine
# cannot resolve gives "inconclusive" rather than a verdict that flips between runs.

MACS_TOLERANCE_PCT = 1.0       # our MACs within 1 % of the README's fvcore numbers
MERGE_TOLERANCE = 1e-4         # max |merged - unmerged| relative to the output's scale
TINY_ACCURACY = 0.95           # the tiny Next-ViT's test accuracy to reach (a fraction)


def decide_sizes(params: list[tuple[int, int]], macs_diffs_pct: list[float],
                 tolerance_pct: float = MACS_TOLERANCE_PCT) -> Decision:
    """Exact: every (ours, official) parameter count equal, every MACs difference within
    ``tolerance_pct`` of the README's."""
    params_ok = all(ours == official for ours, official in params)
    macs_ok = all(abs(d) <= tolerance_pct for d in macs_diffs_pct)
    return exact(params_ok and macs_ok, f"parameter counts equal to the official code's: {params_ok} "
                 f"({len(params)} variants); MACs differences {list(macs_diffs_pct)} % (tolerance {tolerance_pct:g} %)")


def decide_merge_exact(max_abs_diff: float, output_scale: float, removed: int, added: int,
                       tolerance: float = MERGE_TOLERANCE) -> Decision:
    """Exact: the merged network's outputs equal the unmerged ones within float tolerance, BNs were
    folded and no layer was added."""
    ok = max_abs_diff <= tolerance * output_scale and removed > 0 and added == 0
    return exact(ok, f"max |merged - unmerged| {max_abs_diff:.2g} for outputs up to {output_scale:.2g} "
                 f"(tolerance {tolerance:g} of the scale); {removed} BNs folded, {added} layers added")


def decide_faster(a_rounds, b_rounds, what: str) -> Decision:
    """Is ``a`` faster than ``b``? Ratio of medians over paired interleaved rounds below 1."""
    return timing(a_rounds, b_rounds, 1.0, better="lower", what=what)


def decide_merge_faster(paired_rounds: dict[str, tuple]) -> Decision:
    """merge_bn makes Next-ViT-S faster on every backend timed: backend -> (unmerged, merged)
    per-round ms; all of the per-backend timing decisions (merged / unmerged below 1)."""
    return all_of(*[decide_faster(merged, unmerged, f"{backend} merged / unmerged")
                    for backend, (unmerged, merged) in paired_rounds.items()])


def summed_rounds(rounds_by_input: list) -> np.ndarray:
    """Per-round totals over the benchmark inputs (each input's rounds ran together, round i of
    every block at one input in the same round), so a sum over inputs is paired round by round."""
    n = min(len(r) for r in rounds_by_input)
    return np.sum([np.asarray(r[:n], float) for r in rounds_by_input], axis=0)


def decide_bn_relu_blocks(ncb_rounds_by_input: list, ln_gelu_rounds_by_input: list) -> Decision:
    """BN+ReLU faster than LN+GELU in one NCB: per-round totals over the benchmark inputs."""
    return decide_faster(summed_rounds(ncb_rounds_by_input), summed_rounds(ln_gelu_rounds_by_input),
                         "NCB BN+ReLU / LN+GELU (summed over the inputs)")


def decide_ranking(nextvit_rounds, rivals: dict) -> Decision:
    """Next-ViT-S faster than every rival: all of the pairwise timing decisions."""
    return all_of(*[decide_faster(nextvit_rounds, rounds, f"Next-ViT-S / {name}") for name, rounds in rivals.items()])


def decide_tiny(correct: int, n_test: int, same_predictions: bool, threshold: float = TINY_ACCURACY) -> Decision:
    """The tiny Next-ViT's test accuracy above ``threshold`` (Wilson interval over the test images)
    and merge_bn leaving every prediction unchanged (exact)."""
    return all_of(proportion(correct, n_test, threshold, what="test images right"),
                  exact(same_predictions, f"predictions after merge_bn identical: {bool(same_predictions)}"))


def compared(decision: Decision) -> str:
    """'faster', 'slower' or 'not resolved' for a timing decision of "a is faster than b"."""
    return {True: "faster", False: "slower", None: "not resolved"}[decision.holds]


def _ratio_words(decision: Decision) -> str:
    lo, hi = decision.interval
    return f"{decision.effect:.3f} ({lo:.2f}-{hi:.2f}): {compared(decision)}"


def merge_summary(merge) -> str:
    """What merging and the backend do to Next-ViT-S, in words generated from this run's timings:
    per backend merged / unmerged, and each backend's unmerged time against eager's unmerged."""
    pairs = merge.paired_rounds()
    lines = [f"merged / unmerged, ratio of medians (95 % interval incl. drift): "
             + "; ".join(f"{b} {_ratio_words(decide_faster(m, u, ''))}" for b, (u, m) in pairs.items())]
    if "eager" in pairs:
        base = pairs["eager"][0]
        others = [b for b in pairs if b != "eager"]
        if others:
            lines.append("unmerged on each backend / unmerged eager: "
                         + "; ".join(f"{b} {_ratio_words(decide_faster(pairs[b][0], base, ''))}" for b in others))
    return "\n".join(lines)


def swap_summary(swaps) -> str:
    """Each whole-network variant against the first (the paper's NCB network), from the same
    interleaved rounds: ratio of medians, its interval, and faster / slower / not resolved."""
    first = swaps[0]
    rows = [f"  {s.key:<11} {_ratio_words(decide_faster(s.rounds_ms, first.rounds_ms, ''))}"
            for s in swaps[1:] if s.rounds_ms and first.rounds_ms]
    if not rows:
        return f"only {first.key} was timed: nothing to compare"
    ratios = [s.ms / first.ms for s in swaps[1:]]
    return (f"whole Next-ViT-S, each variant / {first.key} (ratio of medians, 95 % interval incl. drift); the "
            f"variants span {min(ratios):.2f}-{max(ratios):.2f} of {first.key}'s time:\n" + "\n".join(rows))


def evaluate_claims(sizes, merge, study, swaps, blocks, tiny) -> list[Claim]:
    """Each claim decided from this run's numbers through ``nbsupport.verdicts``. Latency
    comparisons use per-round times of candidates timed in the same interleaved rounds. Claims
    whose candidates were not timed are left out."""
    rounds = study.rounds
    out = [Claim("sizes_match", "Our Next-ViT-S/B/L have the official parameter counts and the paper's MACs (within 1 %)",
                 decide_sizes([(s.params, s.official_params) for s in sizes], [macs_diff_pct(s) for s in sizes])),
           Claim("merge_bn_exact", "merge_bn() leaves the outputs unchanged (float tolerance): it folds the pre-norm "
                 "BNs into the next layer and adds no layer",
                 decide_merge_exact(merge.max_abs_diff, merge.output_scale, merge.layers_removed, merge.layers_added))]
    pairs = merge.paired_rounds()
    if pairs:
        out.append(Claim("merge_bn_faster", "merge_bn() makes Next-ViT-S faster on every backend timed ("
                         + ", ".join(pairs) + "; merged against unmerged in the same interleaved rounds)",
                         decide_merge_faster(pairs)))
    if "resnet101" in rounds:
        out.append(Claim("faster_than_resnet101",
                         "Next-ViT-S is faster than ResNet-101 on this CPU (the paper reports it 1.7 points more accurate)",
                         decide_faster(rounds["nextvit_s"], rounds["resnet101"], "Next-ViT-S / ResNet-101")))
    by_input = {}
    for b in blocks:
        by_input.setdefault(b.input, {})[b.block] = b.rounds_ms
    if by_input and all({"ncb", "ncb_ln_gelu"} <= set(m) for m in by_input.values()):
        out.append(Claim(
            "bn_relu_faster_than_ln_gelu",
            "BN+ReLU is faster than LN+GELU in an NCB (single-block benchmark, summed over its inputs: "
            + ", ".join(by_input) + ")",
            decide_bn_relu_blocks([m["ncb"] for m in by_input.values()],
                                  [m["ncb_ln_gelu"] for m in by_input.values()])))
    whole = {s.key: s.rounds_ms for s in swaps}
    if {"ncb", "ln_gelu"} <= set(whole):
        out.append(Claim(
            "bn_relu_faster_whole_network",
            "BN+ReLU is faster than LN+GELU in the whole Next-ViT-S (the paper's norm/activation ablation, on this CPU)",
            decide_faster(whole["ncb"], whole["ln_gelu"], "Next-ViT-S BN+ReLU / LN+GELU")))
    rivals = {m: rounds[m] for m in ("convnext_t", "swin_t", "deit_s") if m in rounds}
    if rivals:
        out.append(Claim(
            "tensorrt_ranking_on_cpu",
            "Next-ViT-S is faster than " + ", ".join(rivals) + " on this CPU, as the paper's TensorRT figure ranks them",
            decide_ranking(rounds["nextvit_s"], rivals)))
    correct = int(round(tiny.accuracy * tiny.n_test / 100))
    out.append(Claim("tiny_learns",
                     "A tiny Next-ViT learns the digits (test accuracy above 95 %) and merge_bn keeps its predictions",
                     decide_tiny(correct, tiny.n_test, tiny.same_predictions)))
    return out


__all__ = ["PAPER_MACS_G", "PAPER_PARAMS_M", "PAPER_TRT_MS", "PAPER_COREML_MS", "PAPER_TOP1", "PaperPoint",
           "PAPER_POINTS", "macs_diff_pct", "sizes_table", "merge_table", "block_table", "swap_table", "peer_rows",
           "peer_table", "batch8_table", "plot_tradeoff", "plot_latency_vs_macs", "plot_confusion", "ExplorerModel",
           "ExplorerState", "explorer_state", "explorer_points", "explorer_figure", "explorer", "paper_vs_ours",
           "decide_sizes", "decide_merge_exact", "decide_faster", "decide_merge_faster", "summed_rounds",
           "decide_bn_relu_blocks", "decide_ranking", "decide_tiny", "compared", "merge_summary", "swap_summary",
           "evaluate_claims"]
