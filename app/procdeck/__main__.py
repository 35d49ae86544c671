"""`python -m procdeck`: same as the `procdeck` command."""

import sys

from procdeck.cli import main

if __name__ == "__main__":
    sys.exit(main())
