"""How fast and how faithful our Sixel encoder is, against textual-image's, on 512×512 pictures.

Encodes the simulator's picture (gradient, rings, text) and a photo-like one (smooth colour
fields with fine noise) with `fluxtui.term.sixel.encode` — dithered (the default) and not — and
with textual-image 0.12's `image_to_sixels`, as medians over repeats in the same run; decodes each
output back with libsixel's `sixel2png` and prints its mean error per channel against the source
(of 255) and its size.

    python bench/sixel_encode.py [--repeats 9] [--size 512]
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from functools import partial

from PIL import Image, ImageChops, ImageFilter, ImageStat

from fluxtui.sim.render import RenderSpec, render
from fluxtui.term import sixel


def pictures(size: int) -> dict[str, Image.Image]:
    spec = RenderSpec("a lighthouse at dusk, oil on canvas", 7, "flux-dev", size, size, "png")
    simulated = Image.open(io.BytesIO(render(spec))).convert("RGB")
    rng = random.Random(1)
    small = Image.new("RGB", (16, 16))
    small.putdata(
        [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(256)]
    )
    fields = small.resize((size, size), Image.Resampling.BICUBIC)
    noise = Image.effect_noise((size, size), 24).convert("RGB")
    photo = ImageChops.add(fields, noise, scale=1.0, offset=-96).filter(ImageFilter.SMOOTH)
    return {"simulator picture": simulated, "photo-like": photo}


def median_ms(encode: Callable[[], str], repeats: int) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        out = encode()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), out


def error(source: Image.Image, sixels: str) -> str:
    if shutil.which("sixel2png") is None:
        return "(install libsixel-bin for the error)"
    done = subprocess.run(["sixel2png"], input=sixels.encode(), capture_output=True, check=True)
    decoded = Image.open(io.BytesIO(done.stdout)).convert("RGB")
    if decoded.size != source.size:
        return f"decoded at {decoded.size}, not {source.size}"
    means = ImageStat.Stat(ImageChops.difference(decoded, source)).mean
    return " ".join(f"{value:4.1f}" for value in means)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--size", type=int, default=512)
    args = parser.parse_args()
    try:
        from textual_image._sixel import image_to_sixels
    except ImportError:
        image_to_sixels = None
    print(f"{'picture':<18} {'encoder':<28} {'median ms':>9} {'ratio':>6} {'KiB':>6}  error R G B")
    for name, picture in pictures(args.size).items():
        encoders: dict[str, Callable[[], str]] = {
            "fluxtui (dithered)": partial(sixel.encode, picture),
            "fluxtui (no dither)": partial(sixel.encode, picture, dither=False),
        }
        if image_to_sixels is not None:
            encoders["textual-image 0.12"] = partial(image_to_sixels, picture)
        results = {label: median_ms(encode, args.repeats) for label, encode in encoders.items()}
        theirs = results.get("textual-image 0.12", (None, ""))[0]
        for label, (ms, out) in results.items():
            ratio = f"{ms / theirs:5.2f}×" if theirs else "     -"
            print(
                f"{name:<18} {label:<28} {ms:9.1f} {ratio:>6} {len(out) / 1024:6.0f}  "
                + error(picture, out)
            )


if __name__ == "__main__":
    main()
