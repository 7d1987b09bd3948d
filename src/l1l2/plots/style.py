"""The look of every figure, and the one place figures are written to disk.

Figure functions of this package build a figure inside :func:`use_style` (through the
:func:`figure_function` decorator) and return it; :func:`save` writes it. Output is deterministic:
a fixed style file (no dependence on the user's matplotlibrc), the Agg backend, and PNGs and
GIF frames written by Pillow from the rendered pixels, without metadata (no date, no version),
so the same inputs give byte-identical files.

Conventions shared by all figures:

* one colour per model (:data:`MODEL_COLORS`), the same everywhere;
* λ axes are logarithmic and labelled :data:`LAMBDA_LABEL`;
* the polynomial basis is named wherever sparsity or coefficients depend on it;
* legends sit outside the data (below the axes) when the data fill the panel.
"""

from __future__ import annotations

import functools
import math
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import animation, ticker  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.layout_engine import PlaceHolderLayoutEngine  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from PIL import Image  # noqa: E402

from ..tables import write_csv  # noqa: E402
from .palette import (  # noqa: E402, F401 - the shared colours and names, also from here
    BASIS_COLORS,
    LAMBDA_LABEL,
    METHOD_COLORS,
    MODEL_COLORS,
    MODEL_LABELS,
    PENALIZED,
)

#: Style name (the config's ``plots.style``) -> matplotlib style file, applied on top of
#: matplotlib's own defaults.
STYLES = {"default": Path(__file__).with_name("l1l2.mplstyle")}
#: Colours of a saved PNG's palette, and of each frame of a GIF.
PALETTE_COLORS = 256
GIF_COLORS = 64
#: zlib level of the PNGs: 9 (Pillow's ``optimize``) took 2.4 times as long for 1.6 % smaller
#: files (the default study's 106 PNGs: 4.9 against 2.0 CPU-s, 3.19 against 3.24 MB).
PNG_COMPRESS_LEVEL = 8


@contextmanager
def use_style(name: str = "default", dpi: float | None = None):
    """Apply the named l1l2 style (on top of matplotlib's defaults) inside the block; figures
    made in it have resolution ``dpi`` (matplotlib's default when None)."""
    if name not in STYLES:
        raise ValueError(f"plots.style: unknown style {name!r} (known: {', '.join(STYLES)})")
    with plt.style.context(["default", STYLES[name], {} if dpi is None else {"figure.dpi": dpi}]):
        yield


def figure_function(func):
    """Decorator of the figure functions: build the figure in a fixed style and return it.

    The decorated function takes two extra keywords: ``style`` (a key of :data:`STYLES`),
    remembered on the returned figure (or animation) so that :func:`save` draws it with the
    same settings, and ``dpi``, the resolution it will be saved at. Given, the figure is laid
    out at that resolution: the layout's measurements (tick labels, titles) are then the very
    text extents, tick labels and rendered formulas the saved image draws, kept in matplotlib's
    caches, instead of being measured once more at another resolution. Any ``dpi`` may still
    be passed to :func:`save`.
    """

    @functools.wraps(func)
    def wrapper(*args, style: str = "default", dpi: float | None = None, **kwargs):
        with use_style(style, dpi):
            result = func(*args, **kwargs)
        result.l1l2_style = style
        return result

    return wrapper


def _write_gif(frames, path, fps: float) -> None:
    """Write RGB(A) frames as a looping GIF, each reduced to :data:`GIF_COLORS` colours without
    dithering: flat areas stay flat, which roughly halves the file against the default."""
    frames = [
        frame.convert("RGB").quantize(GIF_COLORS, Image.Quantize.FASTOCTREE,
                                      dither=Image.Dither.NONE)
        for frame in frames
    ]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=int(1000 / fps),
                   loop=0)


class _PaletteGifWriter(animation.PillowWriter):
    """Pillow's GIF writer, frames written by :func:`_write_gif`: what matplotlib's own
    ``Animation.save`` writes with the palette of :func:`save` (tests compare with it)."""

    def finish(self):
        _write_gif(self._frames, self.outfile, self.fps)


def redrawn_per_frame(anim, artists):
    """Declare the only artists an animation's frame function changes; returns ``anim``.

    :func:`save` then draws the figure once without them, and per frame only these artists
    over that image: the same pixels as drawing every frame in full, as long as nothing drawn
    after them in a full draw (a higher zorder, a later axes, a figure legend) overlaps them.
    They must be children of the figure's axes.
    """
    anim.l1l2_redrawn = list(artists)
    return anim


def attach_data(result, data: pd.DataFrame):
    """Attach the exact numbers a figure draws (a tidy table); :func:`save` writes them beside
    the image as CSV. Returns ``result``."""
    result.l1l2_data = data.reset_index(drop=True)
    return result


def save(result, path, dpi: int, data_path=None) -> None:
    """Write a figure (PNG) or an animation (GIF) made by a figure function, then close it.

    PNGs are reduced to a palette of at most :data:`PALETTE_COLORS` colours (Pillow's
    fast-octree quantization, deterministic), which makes them several times smaller at no
    visible cost for line plots. The numbers the figure draws (see :func:`attach_data`) go to
    ``data_path``, by default the image's path with the suffix ``.csv``.

    Parameters
    ----------
    result : matplotlib.figure.Figure or matplotlib.animation.Animation
        What a figure function returned. An animation is written with Pillow at the frame
        rate it was built with.
    path : str or pathlib.Path
        Output file; ``.png`` for a figure, ``.gif`` for an animation.
    dpi : int
        Resolution (the config's ``plots.dpi``).
    data_path : str or pathlib.Path, optional
        Where the drawn numbers go (CSV).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    is_animation = isinstance(result, animation.Animation)
    if (suffix == ".gif") != is_animation or suffix not in (".png", ".gif"):
        raise ValueError(f"{path}: cannot write a {type(result).__name__} to a {suffix} file")
    fig = result._fig if is_animation else result
    # After fig.tight_layout() matplotlib leaves a placeholder layout engine that does nothing,
    # but its presence makes every savefig lay the whole figure out once more before drawing it.
    if isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):
        fig.set_layout_engine(None)
    try:
        with use_style(getattr(result, "l1l2_style", "default")):
            if is_animation:
                _save_animation(result, path, dpi)
            else:
                # drawn as savefig draws it; its pixels, not a PNG decoded again for the palette
                with _at_dpi(fig, dpi), ticks_updated_once(fig):
                    fig.canvas.draw()
                    image = _pixels(fig)
                small = image.quantize(PALETTE_COLORS, Image.Quantize.FASTOCTREE)
                small.save(path, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    finally:
        plt.close(fig)
    data = getattr(result, "l1l2_data", None)
    if data is not None:
        write_csv(data, str(path.with_suffix(".csv") if data_path is None else data_path))


def _save_animation(anim, path, dpi: int) -> None:
    """Write a :class:`~matplotlib.animation.FuncAnimation` as a GIF, drawing the figure once.

    ``Animation.save`` draws the whole figure twice per frame (the canvas's ``draw_idle`` after
    the frame function, then again for the image) and draws repeated frames (a held last frame)
    anew, although per frame only a few artists change (:func:`redrawn_per_frame`). Here the
    figure is drawn once without those artists; each frame restores that image, lets the frame
    function update them and draws them alone, in the order of a full draw; a frame whose data
    equal the previous frame's reuses its image. The same bytes as ``Animation.save``
    (tests/test_figures.py compares), a fraction of the work. An animation that declares
    nothing is drawn in full for every distinct frame.
    """
    fig, redrawn = anim._fig, getattr(anim, "l1l2_redrawn", None)
    order = [] if redrawn is None else _draw_order(fig, redrawn)
    canvas = fig.canvas
    frames, previous = [], []
    with _at_dpi(fig, dpi):
        if order:
            for artist in order:
                artist.set_animated(True)
            with ticks_updated_once(fig):
                canvas.draw()  # everything that does not change, once
            background = canvas.copy_from_bbox(fig.bbox)
        for frame in anim.new_saved_frame_seq():
            if previous and _same_frame(frame, previous[-1]):
                frames.append(frames[-1])
                continue
            previous[:] = [frame]
            anim._func(frame, *anim._args)
            if not order:  # nothing declared: every frame drawn in full
                with ticks_updated_once(fig):
                    canvas.draw()
            else:
                canvas.restore_region(background)
                for artist in order:
                    fig.draw_artist(artist)
            frames.append(_pixels(fig))
        for artist in order:
            artist.set_animated(False)
    _write_gif(frames, path, 1000.0 / anim._interval)


@contextmanager
def _at_dpi(fig, dpi):
    """The figure at the output resolution inside the block (as ``savefig(dpi=dpi)`` sets it)."""
    figure_dpi = fig.dpi
    fig.set_dpi(dpi)
    try:
        yield
    finally:
        fig.set_dpi(figure_dpi)


def _pixels(fig):
    """The RGB image last drawn on the figure's canvas (a copy)."""
    canvas = fig.canvas
    return Image.frombuffer("RGBA", canvas.get_width_height(physical=True), canvas.buffer_rgba(),
                            "raw", "RGBA", 0, 1).convert("RGB")


def _draw_order(fig, artists):
    """``artists`` (children of ``fig``'s axes) in the order a full draw of ``fig`` draws them."""
    wanted = {id(artist) for artist in artists}
    order = [
        child
        for ax in sorted(fig.axes, key=lambda ax: ax.get_zorder())
        for child in sorted(ax.get_children(), key=lambda child: child.get_zorder())
        if id(child) in wanted
    ]
    if len(order) != len(wanted):
        raise ValueError("redrawn_per_frame: every artist must be a child of the figure's axes")
    return order


def _same_frame(a, b) -> bool:
    simple = (int, float, str)
    return type(a) is type(b) and isinstance(a, simple) and a == b


def tight_layout(fig, rect=None) -> None:
    """``fig.tight_layout(rect=rect)`` with every axes measured once instead of twice.

    Given a ``rect``, matplotlib's tight layout runs its measurement of every axes (ticks, tick
    labels, titles: the costly part of a figure) twice with the same result, as nothing moves in
    between; here the second pass reuses the first's boxes. Same layout, half the work. The
    unlabelled minor ticks of logarithmic axes become one artist per axis
    (:func:`minor_ticks_as_marks`): call this last, when the axes' scales are set.
    """
    axes = list(fig.axes)
    minor_ticks_as_marks(fig)
    for ax in axes:
        ax.get_tightbbox = _measured_once(ax.get_tightbbox)
    try:
        with ticks_updated_once(fig):
            fig.tight_layout(rect=rect)
    finally:
        for ax in axes:
            del ax.get_tightbbox  # the method again


def _measured_once(measure):
    boxes = {}

    @functools.wraps(measure)
    def once(renderer=None, **kwargs):
        key = (id(renderer), *sorted(kwargs.items()))
        try:
            return boxes[key]
        except TypeError:  # an unhashable argument: measure every time
            return measure(renderer, **kwargs)
        except KeyError:
            boxes[key] = measure(renderer, **kwargs)
            return boxes[key]

    return once


def minor_ticks_as_marks(fig) -> None:
    """Draw the minor ticks of each logarithmic axis of ``fig``'s axes as one artist, when they
    are unlabelled marks (the usual case: an axis spanning more than a decade).

    matplotlib makes one tick object per minor tick, five artists each (a mark on either side,
    a grid line, two labels), and creating them and copying their settings is a large part of
    laying out a figure with log axes (up to eight minor ticks per decade). Of a minor tick on
    a log axis only the mark is drawn. Here the axis keeps its major ticks; its minor ticks
    are drawn by a :class:`_MinorTickMarks`: one line with a marker at each location the
    axis's own minor locator gives at draw time, in the settings of a real minor tick of that
    axis (copied from it), so the same pixels (tests/test_figures.py compares both). Axes whose
    minor ticks carry a label, a grid line or a mark on the second side keep matplotlib's
    ticks.
    """
    chosen = []
    for ax in fig.axes:
        for axis in ax._axis_map.values():
            locator = axis.get_minor_locator()
            if axis.get_scale() != "log" or not isinstance(locator, ticker.LogLocator):
                continue
            tick = axis.get_minor_ticks(1)[0]  # the settings of this axis's minor ticks
            if not (tick.gridline.get_visible() or tick.tick2line.get_visible()
                    or _minor_labels(axis)):
                chosen.append((ax, axis, locator, tick))
    # all chosen before any is changed: shared axes share their locators
    for ax, axis, locator, tick in chosen:
        axis.set_minor_locator(ticker.NullLocator())
        ax.add_artist(_MinorTickMarks(axis, locator, tick))


def _minor_labels(axis) -> bool:
    """Whether the minor formatter of a log axis labels any position a minor tick can take in
    the current view (k · base^e, k = 2 .. base - 1)."""
    base = axis.get_transform().base
    low, high = sorted(axis.get_view_interval())
    if low <= 0:
        return True  # not a plain log view: leave it to matplotlib
    decades = range(math.floor(math.log(low, base)) - 1, math.ceil(math.log(high, base)) + 1)
    places = [k * base**e for e in decades for k in range(2, math.ceil(base))]
    return any(axis.get_minor_formatter().format_ticks(places))


class _MinorTickMarks(Artist):
    """The unlabelled minor ticks of one axis as one line of markers (see
    :func:`minor_ticks_as_marks`). At draw time it takes the locations the axis's minor
    locator gives, without those at a major tick and those outside the view, as
    ``Axis.get_minorticklocs`` and ``Axis._update_ticks`` do, and draws a copy of the first
    minor tick's mark at each."""

    def __init__(self, axis, locator, tick):
        super().__init__()
        self._axis, self._locator = axis, locator
        self._marks = Line2D([], [])
        self._marks.update_from(tick.tick1line)  # marker, size, width, colour, transform
        self._marks.set_figure(axis.get_figure(root=False))
        self.set_zorder(axis.get_zorder())
        self.set_in_layout(False)

    def draw(self, renderer):
        axis = self._axis
        if not (self.get_visible() and axis.get_visible() and axis.axes.axison
                and axis.get_scale() == "log"):  # (a figure's user may change the scale)
            return
        locs = np.asarray(self._locator(), dtype=float)
        if locs.size:
            scale = axis.get_transform()
            low, high = sorted(scale.transform(axis.get_view_interval()))
            places = scale.transform(locs)
            if axis.remove_overlapping_locs:
                majors = scale.transform(np.asarray(axis.get_major_locator()(), dtype=float))
                at_major = np.isclose(places[:, None], majors[None, :],
                                      atol=(high - low) * 1e-5, rtol=0).any(axis=1)
                locs, places = locs[~at_major], places[~at_major]
            slack = (high - low) * 1e-10
            locs = locs[(places >= low - slack) & (places <= high + slack)]
        zeros = np.zeros(locs.size)
        self._marks.set_data((locs, zeros) if axis.axis_name == "x" else (zeros, locs))
        self._marks.draw(renderer)
        self.stale = False


@contextmanager
def ticks_updated_once(fig):
    """Inside the block (one draw or one layout of ``fig``, nothing changed in between), each
    axis computes its ticks and measures its tick labels once per position instead of at every
    request.

    In one draw matplotlib recomputes an axis's ticks (locator, formatter, every tick's position
    and label) and measures their labels several times: for the axis itself, for its label's
    position, and for the title above it of every axes that shares it or is a child of it (the
    title step measures each of them once per title), and a tight layout does the same again.
    The result depends only on the axis's view limits, the axes' position and the figure's
    resolution (locators, formatters and tick settings do not change inside a draw): the first
    request for a given state computes them, a request in the same state reuses them, and any
    other state computes anew. The same ticks and boxes, so the same pixels
    (tests/test_figures.py compares with matplotlib's own drawing).
    """
    axes = [*fig.axes, *(child for ax in fig.axes for child in ax.child_axes)]
    axes_list = [axis for ax in axes for axis in ax._axis_map.values()]
    for axis in axes_list:
        _remember_ticks(axis)
    try:
        yield
    finally:
        for axis in axes_list:
            del axis._update_ticks, axis._get_ticklabel_bboxes  # the methods again


def _remember_ticks(axis):
    update, measure = axis._update_ticks, axis._get_ticklabel_bboxes
    last = {}

    def state():
        return (*axis.get_view_interval(), *axis.axes.bbox.bounds, axis.figure.dpi)

    def update_ticks():
        now = state()
        if last.get("state") != now:
            last.clear()
            last["state"], last["ticks"] = now, update()
        return list(last["ticks"])

    def ticklabel_bboxes(ticks, renderer):
        key = (state(), id(renderer), *map(id, ticks))
        if last.get("boxes_key") != key:
            last["boxes_key"], last["boxes"] = key, measure(ticks, renderer)
        return tuple(list(boxes) for boxes in last["boxes"])

    axis._update_ticks, axis._get_ticklabel_bboxes = update_ticks, ticklabel_bboxes


def log_lambda_axis(ax, label: bool = True) -> None:
    """Logarithmic λ axis with the shared label."""
    ax.set_xscale("log")
    if label:
        ax.set_xlabel(LAMBDA_LABEL)


def integer_axis(axis) -> None:
    """Integer ticks only (degrees, term numbers)."""
    axis.set_major_locator(ticker.MaxNLocator(integer=True))


def readable_log_y(ax) -> None:
    """Log y axis with plain-number labels at 1, 2, 5 × 10^k when it spans few decades."""
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    if high / low < 300:
        ax.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(ticker.NullFormatter())


def fmt(value: float) -> str:
    """Compact number for annotations: 3 significant digits."""
    return f"{value:.3g}"
