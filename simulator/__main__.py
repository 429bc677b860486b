"""`python -m simulator [app|train|lecture|lesson|export]`: the same as `cnn-simulator`."""
import sys

from .cli import main

sys.exit(main())
