"""Runs live expansion with DEBUG logging to stderr (privacy test)."""

import logging
import sys

from expander.live import LiveOptions, run_live
from snippets.loader import load_library

logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(name)s %(message)s")
logging.getLogger("expander.x11").setLevel(logging.DEBUG)
result = load_library(sys.argv[1:])
run_live(result.library, LiveOptions())
