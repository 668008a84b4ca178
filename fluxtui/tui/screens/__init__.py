"""The app's screens: the main one, comparisons and the library, and their modals (help, confirm,
model picker, zoomed preview, target picker, enlarged image, folder prompt)."""
