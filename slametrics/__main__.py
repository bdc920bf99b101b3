"""``python -m slametrics``: see slametrics.cli."""
import sys

from slametrics.cli import main

sys.exit(main())
