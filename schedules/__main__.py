"""`python -m schedules ...` is `diandan scheduler ...` (for process managers that run modules)."""

import sys

from app.cli import main

if __name__ == "__main__":
    main(args=["scheduler", *sys.argv[1:]], prog_name="diandan")
