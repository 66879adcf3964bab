import sys

from .data import main

sys.exit(main())
