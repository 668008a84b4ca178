"""The input images each model of each table takes (providers.md §6), for `model_tables`.

- BFL and CometAPI: Kontext `input_image` … `input_image_4`; FLUX.2 `input_image` …
  `input_image_8` (klein up to 4); FLUX.1 one `image_prompt` (ultra also weighs it with
  `image_prompt_strength`); Fill one `image` and its `mask`. Each a URL or base64.
- fal: Kontext one `image_url` (required); the FLUX.2 `/edit` apps a list, `image_urls`
  (required); ultra one `image_url` (its image prompt).
- APIYI: `POST /v1/images/edits` (multipart `image`, several as `image[]`) for the FLUX.2 models,
  as its page says (up to 8 references; klein 4). Its FLUX.1 models take none there.

Limits of one input file: BFL's pages give none that the sources agree on; fluxtui checks 20 MB
(unconfirmed: a provider's 413/422 speaks beyond it). fal documents none (fluxtui uploads a file
over 4 MB to fal's storage instead of inlining it). A gateway (no table) takes any input.
"""

from __future__ import annotations

from fluxtui.core.model_spec import InputRule

MB = 1024 * 1024
#: the largest input file fluxtui sends BFL, CometAPI or APIYI (unconfirmed; see above)
BFL_MAX_INPUT_BYTES = 20 * MB


def numbered(count: int) -> tuple[str, ...]:
    """BFL's input fields: input_image, input_image_2 … input_image_{count}."""
    return ("input_image", *(f"input_image_{n}" for n in range(2, count + 1)))


def _bfl(fields: tuple[str, ...], mask_field: str | None = None) -> InputRule:
    """A BFL model's rule: one image per field; a model with a mask needs its image."""
    return InputRule(
        fields,
        len(fields),
        mask_field=mask_field,
        required=mask_field is not None,
        max_bytes=BFL_MAX_INPUT_BYTES,
    )


BFL_KONTEXT = _bfl(numbered(4))
BFL_FLUX2 = _bfl(numbered(8))
BFL_KLEIN = _bfl(numbered(4))
BFL_IMAGE_PROMPT = _bfl(("image_prompt",))
BFL_FILL = _bfl(("image",), mask_field="mask")

FAL_KONTEXT = InputRule(("image_url",), 1, required=True)
FAL_IMAGE_PROMPT = InputRule(("image_url",), 1)


def fal_edit(max_images: int) -> InputRule:
    """A fal FLUX.2 `/edit` app: every image in `image_urls`."""
    return InputRule(("image_urls",), max_images, listed=True, required=True)


def apiyi_edit(max_images: int) -> InputRule:
    """APIYI's edits endpoint: multipart `image` (the adapter sends several as `image[]`)."""
    return InputRule(("image",), max_images, listed=True, max_bytes=BFL_MAX_INPUT_BYTES)
