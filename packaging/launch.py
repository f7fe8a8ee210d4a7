"""The bundle's entry point: the same as the ``reviewer`` command (reviewer/launch.py)."""

from reviewer.launch import main

raise SystemExit(main())
