"""`--image`, `--mask` and `--downscale-inputs`: the input images of `generate` and `compare`.

They are resolved once, before anything is sent (a job reference through the user's store), and
fitted to each target's model when `--downscale-inputs` asks; a bad one is a `BadFlags` naming it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from fluxtui.commands.requests import BadFlags
from fluxtui.core import catalog, input_resolve, paths
from fluxtui.core.config import Config
from fluxtui.core.input_images import InputImage
from fluxtui.core.models import GenerationRequest, JobSnapshot
from fluxtui.core.store import Store


def inputs_from_args(args: argparse.Namespace) -> tuple[InputImage, ...]:
    """The checked inputs the flags name; () without `--image` or `--mask`."""
    if not args.image and args.mask is None:
        return ()
    store: Store | None = None

    def find(prefix: str) -> Sequence[JobSnapshot]:
        nonlocal store
        store = store or Store(paths.store_file())
        return [job.snapshot() for job in store.find(prefix)]

    try:
        return input_resolve.resolve(args.image, args.mask, find)
    except input_resolve.BadInput as exc:
        raise BadFlags(str(exc)) from None
    finally:
        if store is not None:
            store.close()


def fitted(
    config: Config, request: GenerationRequest, inputs: tuple[InputImage, ...], downscale: bool
) -> GenerationRequest:
    """`request` with `inputs`, each re-encoded to its model's limits when `downscale`."""
    if downscale and inputs:
        table = catalog.model_table(config.settings(request.provider))
        rule = catalog.model_spec(table, request.model).inputs
        try:
            inputs = input_resolve.fit_all(inputs, rule, paths.cache_dir())
        except input_resolve.BadInput as exc:
            raise BadFlags(str(exc)) from None
    return request.replace(inputs=inputs) if inputs else request
