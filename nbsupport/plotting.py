"""One figure style for the whole collection: fixed sizes, colours by role, PNG at a moderate dpi."""

from __future__ import annotations

import os

import matplotlib as mpl

FIGSIZE = (7.0, 4.2)          # one panel
FIGSIZE_WIDE = (12.0, 4.0)    # a row of three panels
DPI = 90                      # PNG in a notebook: sharp enough, small files

# Colours by role, so the same thing looks the same in every notebook.
COLORS = {
    "stable": "#1f5fa8",
    "unstable": "#c0392b",
    "infeasible": "#9a9a9a",
    "paper": "#333333",
    "ours": "#1f5fa8",
    "accent": "#e08a00",
}


def apply_style() -> None:
    """Seaborn's whitegrid theme with fixed sizes and a moderate PNG resolution."""
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette="deep")
    mpl.rcParams.update({
        "figure.figsize": FIGSIZE,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "figure.autolayout": False,
        "figure.constrained_layout.use": True,
        "axes.titlesize": "medium",
        "axes.labelsize": "medium",
        "legend.fontsize": "small",
        "legend.frameon": True,
        "lines.linewidth": 1.8,
    })
    try:  # inline figures as PNG (not retina, not SVG) so committed notebooks stay small
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except ImportError:
        pass


def in_batch_run() -> bool:
    """True when a notebook runs under the batch runner or the tests (no live front end)."""
    return os.environ.get("NBSUPPORT_BATCH", "") not in ("", "0")


def live_widgets() -> bool:
    """True when ipywidgets can be shown to a person: importable and not a batch run."""
    if in_batch_run():
        return False
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def explorer_panel(controls, draw):
    """The Explore section's widget: ``controls`` (ipywidgets) above one Output that ``draw()``
    fills with a fresh figure whenever a control's value changes (and once now). The panel carries
    the CSS class ``nbsupport-explorer``, by which the browser tests find it. None without
    ipywidgets (a notebook then draws one static figure)."""
    try:
        import ipywidgets as widgets
    except ImportError:
        return None
    import matplotlib.pyplot as plt

    out = widgets.Output()

    def redraw(change=None):
        with out:
            out.clear_output(wait=True)
            draw()
            plt.show()

    for control in controls:
        control.observe(redraw, names="value")
    redraw()
    panel = widgets.VBox([*controls, out])
    panel.add_class("nbsupport-explorer")
    return panel
