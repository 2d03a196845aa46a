import sys

from code_scalpel.cli import main

sys.exit(main())
