"""expander: a text expander and snippet engine for the desktop."""

__version__ = "0.1.0"
