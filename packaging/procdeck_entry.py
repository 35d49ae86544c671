"""Script PyInstaller freezes: everything happens in procdeck.frozen.main."""

import sys

from procdeck.frozen import main

if __name__ == "__main__":
    sys.exit(main())
