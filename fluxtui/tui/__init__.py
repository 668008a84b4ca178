"""The terminal app: a Textual face on the engine (`fluxtui` with no command opens it).

No business logic lives here: the app builds a `GenerationRequest` from the form, hands it to the
engine, and shows the `JobEvent`s that come back.
"""
