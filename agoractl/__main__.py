"""`python -m agoractl`."""

import sys

from agoractl.cli import main

sys.exit(main())
