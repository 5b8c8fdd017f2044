"""Launchdesk: the one entry point (console, server, admin commands). See README.md."""

import multiprocessing
import sys

from services.cli import main

if __name__ == "__main__":
    # A frozen `serve --workers N` starts its workers by running this executable again.
    multiprocessing.freeze_support()
    if "--self-test" in sys.argv[1:]:
        from console.selftest import main as self_test

        sys.exit(self_test(sys.argv[1:]))
    sys.exit(main())
