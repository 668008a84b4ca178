"""What the faces share, without Textual: the backend they run on and the controller of jobs."""
