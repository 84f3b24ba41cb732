"""The live-figure family that every lesson's sliders are built from.

    LiveFigure      a matplotlib Figure rendered to PNG into an ipywidgets.Image (works in any frontend)
    Explorer        controls + a LiveFigure + a one-line status; subclasses implement draw(**values)
    TimelinePlayer  an Explorer with a Play button and a time slider; compute once, reveal step by step
    BlitFigure      a LiveFigure that redraws only its changing artists over a cached background (lesson 08)
    call_learner    runs a learner's function and turns "not implemented yet" or an error into one line

A learner's unfinished exercise never produces a traceback in a widget: the status line says what to do.
Errors in the course's own drawing code are not caught, so tests see them.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from utils import checks


class LearnerCodeNotReady(Exception):
    """The learner's function is not implemented yet, raised, or returned something unusable."""


def call_learner(function, *args, shape=None, **kwargs):
    """Call the learner's `function`; on any problem raise LearnerCodeNotReady with a one-line reason."""
    name = getattr(function, "__name__", "your function")
    try:
        result = function(*args, **kwargs)
    except NotImplementedError:
        raise LearnerCodeNotReady(f"Implement {name} in the exercise above and run its cell to bring this to life.") \
            from None
    except Exception as error:  # the learner's code: any failure becomes a message, never a traceback
        message = str(error).splitlines()[0] if str(error) else ""
        raise LearnerCodeNotReady(f"{name} raised {type(error).__name__}: {message[:200]}") from None
    if shape is not None:
        try:
            result = checks.expect_array(result, shape, name)
        except AssertionError as problem:
            raise LearnerCodeNotReady(str(problem)) from None
    return result


class LiveFigure:
    """A Figure redrawn in place and shown as a PNG image widget (fast, frontend-independent, testable)."""

    def __init__(self, width: float = 9.0, height: float = 3.2, dpi: int = 90):
        self.figure = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.figure)
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.renders = 0

    def render(self) -> None:
        # Agg straight to pixels and a fast PNG encoding: about half the time of Figure.savefig.
        self.canvas.draw()
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(self.canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
        if self.renders == 0:
            # Lay out once; later frames keep the positions (a layout pass per frame costs ~20 ms).
            self.figure.set_layout_engine("none")
        self.image.value = buffer.getvalue()
        self.renders += 1


class Explorer:
    """Controls wired to a live figure. Subclasses build their axes in __init__ and implement draw(**values)."""

    def __init__(self, controls: dict, live: LiveFigure, title: str = ""):
        self.controls = controls
        self.live = live
        self.figure = live.figure
        self.title = widgets.HTML(f"<b>{title}</b>" if title else "")
        self.status = widgets.HTML()
        self.ready = False
        for control in controls.values():
            control.observe(self._on_change, names="value")

    def _on_change(self, _change) -> None:
        self.update()

    @property
    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def update(self) -> None:
        try:
            self.draw(**self.values)
            self.ready = True
            self.status.value = ""
        except LearnerCodeNotReady as note:
            self.ready = False
            self.status.value = f"<span style='color:#a04000'>&#9888; {note}</span>"
            self.not_ready(str(note))
        self.live.render()

    def draw(self, **values) -> None:
        raise NotImplementedError

    def not_ready(self, message: str) -> None:
        """Hook: clear what depends on the learner's code (the status line already says why)."""

    def set(self, **values) -> None:
        """Move controls programmatically, as a learner would with the mouse."""
        for name, value in values.items():
            self.controls[name].value = value

    def control_box(self) -> widgets.Widget:
        return widgets.HBox(list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap"))

    @property
    def widget(self) -> widgets.Widget:
        if self.live.renders == 0:
            self.update()
        return widgets.VBox([self.title, self.control_box(), self.status, self.live.image])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def slider(description: str, value: float, low: float, high: float, step: float = 0.05) -> widgets.FloatSlider:
    """A float slider whose label is not cut off; updates while dragging."""
    # The label shares the widget's width with the track and the readout: a long label needs a wider widget,
    # or the browser squeezes the track to nothing (seen in the real-browser tests).
    width = max(260, 170 + 7 * len(description))
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               continuous_update=True, style={"description_width": "initial"},
                               layout=widgets.Layout(width=f"{width}px"))


class TimelinePlayer(Explorer):
    """Play over time: compute(**settings) runs once per setting; draw_frame(t, result, **settings) reveals step t.

    The Play button and the `t` slider are linked in the kernel, so programmatic changes and the frontend agree.
    """

    def __init__(self, steps: int, controls: dict, live: LiveFigure, title: str = "", interval_ms: int = 350):
        self.play = widgets.Play(value=0, min=0, max=steps - 1, step=1, interval=interval_ms, description="Play")
        self.time = widgets.IntSlider(value=0, min=0, max=steps - 1, description="t", continuous_update=True)
        widgets.link((self.play, "value"), (self.time, "value"))
        self._cache_key = None
        self._result = None
        super().__init__({"t": self.time, **controls}, live, title)

    def compute(self, **settings):
        raise NotImplementedError

    def draw_frame(self, t: int, result, **settings) -> None:
        raise NotImplementedError

    def draw(self, t, **settings) -> None:
        key = tuple(sorted(settings.items()))
        if key != self._cache_key:
            self._cache_key = None  # stays None if compute fails, so the next frame retries
            self._result = self.compute(**settings)
            self._cache_key = key
        self.draw_frame(t, self._result, **settings)

    def control_box(self) -> widgets.Widget:
        others = [control for name, control in self.controls.items() if name != "t"]
        return widgets.VBox([widgets.HBox([self.play, self.time]),
                             widgets.HBox(others, layout=widgets.Layout(flex_flow="row wrap"))])


class BlitFigure(LiveFigure):
    """A LiveFigure that draws its static parts once and then only redraws the artists listed in `dynamic` on top
    (Agg blitting): a frame costs a few text lines instead of every axis, tick and legend."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dynamic = []
        self.background = None
        self.key = None  # names the static picture (None: do not keep it); kept ones are reused
        self.kept = {}

    def render(self) -> None:
        if self.background is None and self.key is not None and self.key in self.kept:
            self.background = self.kept[self.key]
        if self.background is None:
            if self.renders == 0:
                self.canvas.draw()  # the constrained layout, with every artist in place
                self.figure.set_layout_engine("none")
            shown = [artist.get_visible() for artist in self.dynamic]
            for artist in self.dynamic:
                artist.set_visible(False)
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.figure.bbox)
            if self.key is not None:
                self.kept[self.key] = self.background
            for artist, visible in zip(self.dynamic, shown, strict=True):
                artist.set_visible(visible)
        self.canvas.restore_region(self.background)
        for artist in self.dynamic:
            self.figure.draw_artist(artist)
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(self.canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
        self.image.value = buffer.getvalue()
        self.renders += 1
