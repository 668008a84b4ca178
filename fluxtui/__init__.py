"""fluxtui: generate images with FLUX models from the terminal."""

__version__ = "0.1.0"
