"""Launchdesk: the one entry point (console, server, admin commands). See README.md."""

import sys

from services.cli import main

if __name__ == "__main__":
    sys.exit(main())
