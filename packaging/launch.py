"""The bundle's entry point (the wheel's is ``reviewer.app:main``).

If the system lacks a library QtGui links to (libEGL, libfontconfig…), importing the app
fails before its own display check can run: say what to install instead of a traceback.
"""

from reviewer import preflight

try:
    from reviewer.app import main
except ImportError as exc:
    raise SystemExit(preflight.explain_import_error(exc)) from None

raise SystemExit(main())
