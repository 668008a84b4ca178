"""The headless commands behind `fluxtui.cli`."""
