"""The form's Inputs field: the request's input images (and a Fill model's mask), each a small
thumbnail beside its name, pixel size and file size; keys add one (a path prompt with completion,
which also takes a URL or a library job id), set the mask, remove or reorder the selected one.

It shows only what the chosen model takes (`set_model`): nothing for a text-only model, a mask
row only for Fill. What is added is read and checked at once, in a thread (`input_resolve`, the
same as `--image`: a job id is looked up in the store through `find`); a bad one is refused in
the field, naming it. Whether the inputs fit the model is the engine's call, on every
`Changed` (the form shows the answer with `set_problem`).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Label, Static

from fluxtui.control.threaded_store import StoreClosed
from fluxtui.core import input_resolve
from fluxtui.core.errors import FluxtuiError
from fluxtui.core.input_images import InputImage, InputRole
from fluxtui.core.input_resolve import Finder
from fluxtui.core.model_spec import ModelSpec
from fluxtui.core.text import inert
from fluxtui.tui import input_form
from fluxtui.tui.input_form import Capacity
from fluxtui.tui.input_keys import INPUT_KEYS
from fluxtui.tui.keymap import bindings, conditions
from fluxtui.tui.widgets.thumbnail import Lines, ThumbnailCache, render_thumbnail

THUMB_COLUMNS, ROW_HEIGHT = 6, 2
WHEN = conditions(INPUT_KEYS)
QUESTION = {"image": "Add an input image:", "mask": "The mask (white repaints):"}
PLACEHOLDER = "a file (→ completes), an http(s) URL, or a job id (1a2b3c4d, 1a2b3c4d:2)"
HINT = "enter adds · esc cancels · → completes the file name"


class InputList(ScrollView, can_focus=True):
    """The inputs, two lines each (thumbnail, then name and sizes over where it is from);
    one line saying how to add one while there are none."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"input-list--cursor", "input-list--dim"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
    ]

    def __init__(self, field: InputImagesField, *, id: str | None = None):
        super().__init__(id=id)
        self.field = field
        self.cursor = 0
        self.thumbs = ThumbnailCache(32)

    @property
    def rows(self) -> int:
        return max(1, ROW_HEIGHT * len(self.field.shown))

    def update(self) -> None:
        self.cursor = max(0, min(self.cursor, len(self.field.shown) - 1))
        self.styles.height = self.rows  # the style's max-height caps it: then it scrolls
        self.virtual_size = Size(0, self.rows)
        self.refresh(layout=True)
        self.call_after_refresh(self.show_cursor)
        for image in self.field.shown:
            if image.path is not None and image.path not in self.thumbs:
                self.thumbs.put(image.path, None)  # asked once
                self.run_worker(
                    lambda path=image.path: self._thumbnail(path),
                    thread=True,
                    group="input-thumbnails",
                    exit_on_error=False,
                )

    def _thumbnail(self, path: str) -> None:
        try:
            lines: Lines | None = render_thumbnail(Path(path), THUMB_COLUMNS, ROW_HEIGHT)
        except (FluxtuiError, OSError, ValueError):
            lines = None
        self.app.call_from_thread(self._thumbnail_made, path, lines)

    def _thumbnail_made(self, path: str, lines: Lines | None) -> None:
        self.thumbs.put(path, lines)
        self.refresh()

    def action_cursor(self, step: int) -> None:
        self.cursor = max(0, min(self.cursor + step, len(self.field.shown) - 1))
        self.refresh()
        self.show_cursor()

    def show_cursor(self) -> None:
        """Scroll the field (it scrolls when it holds more than fit) to the selected input."""
        row = Region(0, self.cursor * ROW_HEIGHT, self.size.width, ROW_HEIGHT)
        self.scroll_to_region(row, animate=False, immediate=False)

    def render_line(self, y: int) -> Strip:
        width, style = self.size.width, self.rich_style
        shown = self.field.shown
        if not shown:
            cap = self.field.capacity
            most = "any number" if cap.images is None else f"up to {cap.images}"
            text = Text(f"none · a adds one ({most})")
            text.stylize(self.get_component_rich_style("input-list--dim"))
            return Strip(text.render(self.app.console)).crop_extend(0, width, style)
        row, line = divmod(y + int(self.scroll_offset.y), ROW_HEIGHT)
        if row >= len(shown):
            return Strip.blank(width, style)
        image = shown[row]
        position = sum(1 for i in shown[: row + 1] if i.role == "image")
        text = Text(input_form.row_lines(image, position)[line], no_wrap=True)
        if line == 1:
            text.stylize(self.get_component_rich_style("input-list--dim"))
        if row == self.cursor and self.has_focus:
            text.stylize(self.get_component_rich_style("input-list--cursor"))
        lines = self.thumbs.get(image.path) if image.path is not None else None
        thumb: tuple[Segment, ...] = lines[line] if lines else (Segment(" " * THUMB_COLUMNS),)
        segments = [*thumb, Segment(" "), *text.render(self.app.console)]
        return Strip(segments).crop_extend(0, width, style).apply_style(style)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


class InputImagesField(Vertical):
    """The Inputs field; `inputs` are what the request carries (none while it is hidden)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(INPUT_KEYS)

    class Changed(Message):
        """The inputs changed: the form is validated again."""

    def __init__(self, find: Finder | None = None, *, id: str | None = None):
        """`find(prefix)`: the stored jobs whose id starts with it (blocking: called in a
        thread); without it a job id is not looked up."""
        super().__init__(id=id, classes="field-row")
        self.find: Finder = find or (lambda _prefix: ())
        self.images: list[InputImage] = []
        self.mask: InputImage | None = None
        self.spec: ModelSpec | None = None
        self.capacity = Capacity(0)
        self.list = InputList(self, id="input-list")

    def compose(self) -> ComposeResult:
        with Horizontal(id="inputs-line"):
            yield Label("Inputs", classes="field-label", id="inputs-label")
            yield self.list
        yield Static("", classes="field-error", id="inputs-error")

    # ---- what it holds --------------------------------------------------------------------------

    @property
    def shown(self) -> list[InputImage]:
        """The rows: the images, then the mask where the model takes one."""
        mask = [self.mask] if self.mask is not None and self.capacity.mask else []
        return [*self.images, *mask]

    @property
    def inputs(self) -> tuple[InputImage, ...]:
        """What the request sends: nothing while the model takes no inputs (they are kept, for
        an edit model picked again)."""
        return tuple(self.shown) if self.capacity.takes_any else ()

    def set_model(self, spec: ModelSpec) -> None:
        held = bool(self.inputs)
        self.spec, self.capacity = spec, input_form.capacity(spec)
        self.display = self.capacity.takes_any
        self._update()
        if held and not self.capacity.takes_any:
            self.app.notify(input_form.kept_message(spec, len(self.shown)), timeout=6)

    def set_inputs(self, inputs: tuple[InputImage, ...]) -> None:
        """Hold `inputs` (a job's, copied into the form)."""
        self.images = [i for i in inputs if i.role == "image"]
        self.mask = next((i for i in inputs if i.role == "mask"), None)
        self._changed()

    def set_problem(self, problem: str | None) -> None:
        self.set_class(problem is not None, "-invalid")
        self.query_one("#inputs-error", Static).update(Text(inert(problem or "")))

    def _update(self) -> None:
        count = len(self.images)
        label = f"Inputs {self.capacity.count_text(count)}" if count else "Inputs"
        self.query_one("#inputs-label", Label).update(Text(label))
        self.list.update()

    def _changed(self) -> None:
        self._update()
        self.post_message(self.Changed())

    # ---- adding ---------------------------------------------------------------------------------

    def refusal(self, role: InputRole) -> str | None:
        """Why nothing more can be added as `role` now; None when it can."""
        spec, cap = self.spec, self.capacity
        if spec is None or not cap.takes_any:
            return input_form.no_inputs_message(spec) if spec else "no model is chosen"
        if role == "mask" and not cap.mask:
            return f"{inert(spec.id)} takes no mask"
        if role == "image" and cap.images is not None and len(self.images) >= cap.images:
            return input_form.full_message(spec, cap)
        return None

    def add(self, text: str, role: InputRole = "image", *, notify: bool = False) -> bool:
        """Read and check `text` (a path, a URL or a job reference) in a thread, then add it
        as `role`; False (said in the field, and notified when `notify`) when it cannot be."""
        refused = self.refusal(role)
        if refused is not None:
            self._refuse(refused, notify)
            return False
        self.run_worker(
            lambda: self._resolve(text, role, notify),
            thread=True,
            group="input-resolve",
            exit_on_error=False,
        )
        return True

    def _resolve(self, text: str, role: InputRole, notify: bool) -> None:
        try:
            image = input_resolve.resolve_one(text, role, self.find)
        except input_resolve.BadInput as exc:
            self.app.call_from_thread(self._refuse, str(exc), notify)
            return
        except FluxtuiError as exc:  # the store could not be read
            self.app.call_from_thread(self._refuse, f"{role} {inert(text)}: {exc}", notify)
            return
        except StoreClosed:
            return  # the app is closing
        self.app.call_from_thread(self._resolved, image, notify)

    def _resolved(self, image: InputImage, notify: bool) -> None:
        refused = self.refusal(image.role)  # the model may have changed meanwhile
        if refused is not None:
            self._refuse(refused, notify)
            return
        if image.role == "mask":
            self.mask = image
            self.list.cursor = len(self.images)
        else:
            self.images.append(image)
            self.list.cursor = len(self.images) - 1
        self.set_problem(None)
        self._changed()
        if notify:
            position = len(self.images)
            self.app.notify(input_form.added_message(image, position, self.capacity), timeout=4)

    def _refuse(self, problem: str, notify: bool) -> None:
        self.set_problem(problem)
        if notify:
            self.app.notify(problem, title="Not added", severity="warning", timeout=6)

    # ---- the keys -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        when = WHEN.get(action)
        if when == "mask":
            return self.capacity.mask
        if when == "inputs":
            return True if self.shown else None
        return True

    def action_add_input(self, role: InputRole = "image") -> None:
        refused = self.refusal(role)
        if refused is not None:
            self._refuse(refused, notify=False)
            return

        def given(text: str | None) -> None:
            if text:
                self.add(text, role)

        from fluxtui.tui.screens.path_prompt import PathPrompt  # not in the first frame

        prompt = PathPrompt(QUESTION[role], "", hint=HINT, placeholder=PLACEHOLDER)
        self.app.push_screen(prompt, given)

    def action_add_mask(self) -> None:
        self.action_add_input("mask")

    def action_remove_input(self) -> None:
        shown = self.shown
        if not shown:
            return
        gone = shown[self.list.cursor]
        if gone.role == "mask":
            self.mask = None
        else:
            self.images.remove(gone)
        self.set_problem(None)
        self._changed()

    def action_move_input(self, step: int) -> None:
        at, to = self.list.cursor, self.list.cursor + step
        if not (0 <= at < len(self.images) and 0 <= to < len(self.images)):
            return  # the mask stays last
        self.images[at], self.images[to] = self.images[to], self.images[at]
        self.list.cursor = to
        self._changed()
