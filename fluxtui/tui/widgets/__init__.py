"""The app's panes: the prompt form, the job queue and the preview."""
