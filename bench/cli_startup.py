"""Start-up time of the headless CLI, against bare Python and against importing Textual.

    python bench/cli_startup.py [--runs 15]

Prints the median wall time of each command over the runs (the machines are shared: medians).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    "import textual.app": [sys.executable, "-c", "import textual.app"],
    "fluxtui --help": [sys.executable, "-m", "fluxtui", "--help"],
    "fluxtui providers": [sys.executable, "-m", "fluxtui", "providers"],
    "import fluxtui.core.engine": [sys.executable, "-c", "import fluxtui.core.engine"],
}


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    results = {name: median_seconds(command, args.runs) for name, command in COMMANDS.items()}
    baseline = results["python -c pass (baseline)"]
    print(f"{'command':<30} {'median':>9} {'vs baseline':>12}")
    for name, seconds in results.items():
        print(f"{name:<30} {seconds * 1000:>7.0f}ms {seconds / baseline:>11.1f}×")


if __name__ == "__main__":
    main()
