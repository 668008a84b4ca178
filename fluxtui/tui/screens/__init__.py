"""The app's screens: the main one and its modals (help, confirm, model picker, zoomed preview)."""
