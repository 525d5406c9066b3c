import sys

from tkctl.cli import main

sys.exit(main())
