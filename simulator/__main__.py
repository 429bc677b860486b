"""`python -m simulator [app|train|lecture|lesson|export]`: the same as `cnn-simulator`."""
import sys

from .cli import main

if __name__ == "__main__":      # importing it (pkgutil.walk_packages in the tests) runs nothing
    sys.exit(main())
