"""What a snippet set is once loaded: plain data, no parsing and no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from expander.renderer import Template


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about an input file, printed as ``path:line:col: severity: message``."""

    path: str
    line: int
    col: int
    severity: str  # "error" | "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class Location:
    """A place in a file; line and column may be worked out lazily from a locator."""

    __slots__ = ("path", "_pos", "_locator", "_keypath")

    def __init__(self, path: str, line: int = 0, col: int = 0, *, locator=None, keypath: tuple = ()):
        self.path = path
        self._pos = (line, col) if locator is None else None
        self._locator = locator
        self._keypath = keypath

    def _resolve(self) -> tuple:
        if self._pos is None:
            self._pos = self._locator.key(self._keypath)
            self._locator = None
        return self._pos

    @property
    def line(self) -> int:
        return self._resolve()[0]

    @property
    def col(self) -> int:
        return self._resolve()[1]

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    def __repr__(self) -> str:
        return f"Location({str(self)!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Location) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


@dataclass(slots=True, eq=False)
class Snippet:
    """One trigger and what it expands to (a snippet with several triggers gives several).

    Treated as immutable once loaded (not frozen: frozen dataclasses are several
    times slower to build, which shows at 100k snippets).
    """

    trigger: str
    replace: str
    template: Template
    set_name: str
    location: Location
    word_start: bool = True
    word_end: bool = True
    case: str = "smart"  # "smart" | "exact"
    label: str = ""
    tags: tuple = ()
    examples: tuple = ()  # ((keys, expected), ...)
    #: two snippets with the same key are the same trigger (precedence picks one)
    key: tuple = field(init=False)

    def __post_init__(self) -> None:
        if self.case == "smart":
            folded = self.trigger.casefold()
            self.key = ("smart", self.trigger if folded == self.trigger else folded)
        else:
            self.key = ("exact", self.trigger)


@dataclass
class SnippetSet:
    """The snippets of one file."""

    name: str
    path: str
    snippets: list = field(default_factory=list)
    description: str = ""
    priority: int = 0
    lang: Optional[str] = None
    location: Optional[Location] = None
    read_only: bool = False  # True for sets from a shared source
    source: Optional[str] = None  # the shared source's name
    trusted: bool = True  # personal sets are trusted; shared ones only when the source says so
    order: int = 0  # load order; on equal priority the later set wins
