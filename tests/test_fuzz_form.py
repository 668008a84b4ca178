"""Whatever is typed into the prompt form gives a message on its field, never an exception.

The form's Textual-free half (`tui/form_model.py`) reads the fields' text into params; the
catalog then says what the model refuses. Both are fed arbitrary text for every field of every
known model (and of an unknown one).
"""

from __future__ import annotations

from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from fluxtui.core import catalog, providers
from fluxtui.core.model_spec import ModelSpec
from fluxtui.core.model_tables import MODEL_TABLES
from fluxtui.core.models import GenerationRequest
from fluxtui.core.text import inert
from fluxtui.tui import form_model
from fluxtui.tui.form_model import FieldSpec
from tests.fuzzing import any_text, fuzz, numbers_as_text, sizes

SPECS = [spec for table in MODEL_TABLES for spec in catalog.models_for(table, ["not-in-catalog"])]
#: the wire protocol a service with each model table speaks
PROTOCOL_OF = {"bfl": "bfl", "openai": "openai", "openai-compatible": "openai", "fal": "fal"}
MAX_MESSAGE = 400


def typed(field: FieldSpec) -> st.SearchStrategy[Any]:
    """What a field may hold: text for a text box, anything for a switch or a choice."""
    if field.kind in ("bool", "choice"):
        return st.one_of(
            st.none(), st.booleans(), st.sampled_from(field.choices or ("x",)), any_text
        )
    if field.kind == "size":
        return sizes
    return st.one_of(numbers_as_text, any_text)


@st.composite
def forms(draw: st.DrawFn) -> tuple[ModelSpec, list[FieldSpec], dict[str, Any]]:
    spec = draw(st.sampled_from(SPECS))
    fields = form_model.fields_for(spec)
    chosen = draw(st.lists(st.sampled_from(fields), unique_by=lambda f: f.name)) if fields else []
    return spec, fields, {field.name: draw(typed(field)) for field in chosen}


def assert_readable(message: str) -> None:
    assert isinstance(message, str) and message
    assert inert(message) == message
    assert len(message) < MAX_MESSAGE, message[:500]


@fuzz
@given(forms(), st.booleans())
@example(
    (catalog.model_spec("fal", "fal-ai/flux/dev"), None, {"size": "1" * 5000 + "x1"}), False
)  # ValueError from int(): the message did not name the field
@example(
    (catalog.model_spec("fal", "fal-ai/flux/dev"), None, {"steps": "9" * 30}), False
)  # OverflowError in the catalog's message
@example((catalog.model_spec("fal", "fal-ai/flux/dev"), None, {"guidance": "nan"}), False)
@example(
    (catalog.model_spec("bfl", "flux-pro-1.1-ultra"), None, {"aspect_ratio": "1" * 5000 + ":1"}),
    False,
)  # ValueError from int() in the catalog
def test_any_text_in_any_field(
    form: tuple[ModelSpec, list[FieldSpec] | None, dict[str, Any]], random_seed: bool
) -> None:
    spec, fields, raw = form
    fields = fields or form_model.fields_for(spec)
    names = [field.name for field in fields]
    params, problems = form_model.parse_values(fields, raw, random_seed=random_seed)
    for name, message in problems.items():
        assert_readable(message)
        assert form_model.problem_field(message, names) == name, message
    request = GenerationRequest("a fox", spec.table, spec.id, params)
    for message in catalog.validate(spec.table, request):
        assert_readable(message)


@fuzz
@given(
    st.sampled_from(SPECS),
    st.dictionaries(
        st.sampled_from(
            [
                "width",
                "height",
                "seed",
                "steps",
                "guidance",
                "num_images",
                "aspect_ratio",
                "safety_tolerance",
                "output_format",
                "image_size",
                "size",
            ]
        ),
        st.one_of(
            st.integers(),
            st.integers(min_value=10**20, max_value=10**5000),
            st.floats(),
            any_text,
            st.booleans(),
            st.none(),
            st.lists(st.integers(), max_size=2),
        ),
    ),
)
@example(catalog.model_spec("fal", "fal-ai/flux/dev"), {"steps": 10**400})  # OverflowError
@example(catalog.model_spec("fal", "fal-ai/flux/dev"), {"num_images": -(10**5000)})  # ValueError
@example(catalog.model_spec("fal", "fal-ai/flux/dev"), {"guidance": 10**400})  # OverflowError
def test_any_value_for_a_model(spec: ModelSpec, values: dict[str, Any]) -> None:
    """The values a request can hold from any face (the form, `--param`, a copied job)."""
    for request in (
        GenerationRequest("a fox", spec.table, spec.id, params=values),
        GenerationRequest("a fox", spec.table, spec.id, extra=values),
    ):
        for message in providers.validate(PROTOCOL_OF[spec.table], spec.table, request):
            assert_readable(message)


def test_form_numbers_name_their_field() -> None:
    spec = catalog.model_spec("fal", "fal-ai/flux/dev")
    fields = form_model.fields_for(spec)
    _, problems = form_model.parse_values(
        fields,
        {"seed": "-1", "steps": "many", "guidance": "inf", "size": "1" * 5000 + "x1"},
        random_seed=False,
    )
    assert problems["seed"] == "seed -1 is below the minimum 0"
    assert problems["steps"] == "steps 'many' is not a whole number"
    assert problems["guidance"] == "guidance 'inf' is not a finite number"
    assert problems["size"].startswith("size '1111")
