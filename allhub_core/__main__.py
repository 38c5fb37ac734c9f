import sys

from allhub_core.cli.main import main

sys.exit(main())
