import sys

from linc.cli import main

sys.exit(main())
