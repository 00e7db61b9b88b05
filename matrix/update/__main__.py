import sys

from matrix.update.main import main

sys.exit(main())
