"""The engine: providers, jobs, storage. Never imports Textual."""
