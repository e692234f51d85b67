import sys

try:
    from linc.cli import main
except KeyboardInterrupt:  # Ctrl-C while the package loads
    sys.exit(130)

sys.exit(main())
