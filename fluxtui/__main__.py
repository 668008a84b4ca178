"""`python -m fluxtui` runs the command line."""

from fluxtui.cli import main

raise SystemExit(main())
