"""CNN Simulator: `python main.py [app|train|lecture|lesson] --help`."""
import sys

from simulator.cli import main

if __name__ == "__main__":
    sys.exit(main())
