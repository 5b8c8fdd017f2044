"""Launchdesk: the one entry point (console, server, admin commands). See README.md."""

import logging
import multiprocessing
import os
import sys

from services.cli import main


def leave(code: int | None) -> None:
    """Exit with code once everything is stopped and saved, skipping interpreter teardown.

    After a console session, CPython's final garbage collection can abort in PySide6 6.12
    ("bool_dealloc", an over-released bool in its teardown of Qt wrappers): by then every
    window is closed, the backend stopped and settings synced, so there is nothing left
    for the teardown to do but crash.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code or 0)


if __name__ == "__main__":
    # A frozen `serve --workers N` starts its workers by running this executable again.
    multiprocessing.freeze_support()
    if "--self-test" in sys.argv[1:]:
        from console.selftest import main as self_test

        leave(self_test(sys.argv[1:]))
    leave(main())
