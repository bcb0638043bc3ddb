"""Accidental-trigger lint: triggers that are ordinary words of the set's language.

``demo`` fires whenever someone writes "demo"; ``demoo`` does not (the
double-letter trick support teams use). A set declares its language with
``[set] lang = "de"``; this module looks the triggers up in the system's word
lists, the curated lexicons the spell checkers use:

* ``/usr/share/dict/*`` plain word lists (Debian ``wngerman``, ``wamerican``,
  ``wbritish``, ``wfrench``, ... one full word form per line);
* Hunspell dictionaries ``/usr/share/hunspell/<lang>_*.dic`` (``hunspell-de-de``,
  ``hunspell-cs``, ...): their stems, and the forms their affix rules make.

Why system lists and not a word-frequency package: they are exact (a word or
not, no cut-off to tune: wordfreq gives the non-word ``zd`` a German Zipf
frequency of 2.3, close to abbreviations such as ``mfg`` at 3.4), they are
maintained by the distributions, cost no Python dependency or 58 MB wheel, and
work offline. If a language has no system list and the optional ``wordfreq``
package is installed, it is used as a fallback (Zipf frequency >= 4.0).

How the trigger is matched depends on its options:

* ``word_start`` and ``word_end`` (default): the trigger is a word;
* ``word_end = false``: fires inside words that *start* with it;
* ``word_start = false``: fires at the end of words that *end* with it;
* both false: fires inside any word that *contains* it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from snippets.model import Diagnostic

__all__ = ["WordList", "WordLists", "accidental_trigger_warnings", "normalize_lang", "DEFAULT"]

DICT_DIRS = ("/usr/share/dict",)
HUNSPELL_DIRS = ("/usr/share/hunspell", "/usr/share/myspell", "/usr/share/myspell/dicts")

#: /usr/share/dict file names (Debian's dictionaries-common) by language.
DICT_NAMES = {
    "en": ("american-english", "british-english", "canadian-english", "australian-english",
           "american-english-insane", "british-english-insane"),
    "de": ("ngerman", "ogerman", "swiss"),
    "fr": ("french",),
    "es": ("spanish",),
    "it": ("italian",),
    "pt": ("portuguese", "brazilian"),
    "nl": ("dutch",),
    "da": ("danish",),
    "sv": ("swedish",),
    "nb": ("bokmaal",),
    "nn": ("nynorsk",),
    "no": ("bokmaal", "nynorsk"),
    "fi": ("finnish",),
    "pl": ("polish",),
    "ca": ("catalan",),
    "gl": ("galician",),
    "bg": ("bulgarian",),
    "uk": ("ukrainian",),
    "fo": ("faroese",),
    "ga": ("irish",),
    "gd": ("gaelic",),
}
#: The Debian package to suggest when a language has no list.
APT_HINT = {"en": "wamerican", "de": "wngerman or hunspell-de-de", "fr": "wfrench", "es": "wspanish",
            "it": "witalian", "pt": "wportuguese", "nl": "wdutch"}

LANG_NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
              "pt": "Portuguese", "nl": "Dutch", "cs": "Czech", "sk": "Slovak", "pl": "Polish",
              "eo": "Esperanto", "da": "Danish", "sv": "Swedish", "fi": "Finnish", "ru": "Russian",
              "uk": "Ukrainian", "nb": "Norwegian", "no": "Norwegian", "hu": "Hungarian"}

WORDFREQ_MIN_ZIPF = 4.0
_LANG_RE = re.compile(r"([A-Za-z]{2,3})(?:[-_]([A-Za-z0-9]{2,8}))?")


def normalize_lang(lang: str) -> tuple[str, Optional[str]]:
    """``"de-AT"`` -> ``("de", "AT")``; ``"en"`` -> ``("en", None)``."""
    m = _LANG_RE.fullmatch(lang.strip())
    if not m:
        return lang.strip().lower(), None
    region = m.group(2)
    return m.group(1).lower(), region.upper() if region else None


# --------------------------------------------------------------------------- hunspell


@dataclass
class _Affix:
    flag: str
    prefix: bool
    strip: str
    add: str
    cond: re.Pattern
    cross: bool


def _parse_flags(text: str, mode: str) -> set[str]:
    if mode == "long":
        return {text[i:i + 2] for i in range(0, len(text) - 1, 2)}
    if mode == "num":
        return {f for f in text.split(",") if f}
    return set(text)  # single characters (ASCII and UTF-8 both)


_NOT_ALONE = ("ONLYINCOMPOUND", "NEEDAFFIX", "FORBIDDENWORD", "PSEUDOROOT")


def _read_aff(path: Path) -> tuple[str, str, list[_Affix], set]:
    """Encoding, flag mode, affix rules, and the flags of stems that are no word alone."""
    encoding, flag_mode = "utf-8", "char"
    not_alone: set = set()
    try:
        head = path.read_bytes()
    except OSError:
        return encoding, flag_mode, [], not_alone
    m = re.search(rb"^SET\s+(\S+)", head, re.M)
    if m:
        encoding = m.group(1).decode("ascii", "replace").lower().replace("microsoft-", "")
    try:
        text = head.decode(encoding, "replace")
    except LookupError:
        encoding = "utf-8"
        text = head.decode(encoding, "replace")
    affixes: list[_Affix] = []
    headers: dict = {}
    for raw in text.splitlines():
        parts = raw.split("#", 1)[0].split() if not raw.startswith("#") else []
        if not parts:
            continue
        if parts[0] in _NOT_ALONE and len(parts) > 1:
            not_alone.add(parts[1])
        elif parts[0] == "FLAG" and len(parts) > 1:
            flag_mode = {"long": "long", "num": "num", "UTF-8": "char"}.get(parts[1], "char")
        elif parts[0] in ("PFX", "SFX") and len(parts) >= 4:
            key = (parts[0], parts[1])
            if key not in headers:
                headers[key] = parts[2] == "Y"  # the header line: flag, cross product, count
                continue
            if len(parts) < 5:
                continue
            strip = "" if parts[2] == "0" else parts[2]
            add = parts[3].split("/", 1)[0]
            add = "" if add == "0" else add
            cond = parts[4]
            try:
                pattern = re.compile(("^" + cond) if parts[0] == "PFX" else (cond + "$"))
            except re.error:
                continue
            if cond == ".":
                pattern = re.compile(".")
            affixes.append(_Affix(parts[1], parts[0] == "PFX", strip, add, pattern, headers[key]))
    return encoding, flag_mode, affixes, not_alone


# --------------------------------------------------------------------------- word lists


class WordList:
    """The words of one language, case-folded, from one or more files."""

    def __init__(self, lang: str, paths: Iterable[Path] = (), *, words: Iterable[str] = ()):
        self.lang = lang
        self.paths: list[str] = []
        self._words: set[str] = {w.casefold() for w in words}
        self._stems: dict[str, set] = {}  # hunspell stem -> flags
        self._affixes: list[_Affix] = []
        self._sorted: Optional[list] = None
        self._rsorted: Optional[list] = None
        self._joined: Optional[str] = None
        for p in paths:
            self.add_file(Path(p))

    def add_file(self, path: Path) -> None:
        if path.suffix == ".dic":
            self._add_hunspell(path)
        else:
            with open(path, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    w = line.strip()
                    if w and not w.startswith("#"):
                        self._words.add(w.casefold())
        self.paths.append(str(path))
        self._sorted = self._rsorted = self._joined = None

    def _add_hunspell(self, path: Path) -> None:
        encoding, mode, affixes, not_alone = _read_aff(path.with_suffix(".aff"))
        self._affixes.extend(affixes)
        with open(path, encoding=encoding, errors="replace") as fh:
            first = True
            for line in fh:
                if first:
                    first = False
                    if line.strip().isdigit():
                        continue
                if line[:1] in ("\t", "#", " ") or not line.strip():
                    continue  # comments and the header text some .dic files carry
                entry = line.split(None, 1)[0].replace("\\/", "\0")
                word, _, flags = entry.partition("/")
                word = word.replace("\0", "/").casefold()
                if not word:
                    continue
                flagset = _parse_flags(flags, mode) if flags else set()
                if not (flagset & not_alone):
                    self._words.add(word)
                if flagset:
                    self._stems.setdefault(word, set()).update(flagset)

    # ---- queries

    def __contains__(self, word: str) -> bool:
        w = word.casefold()
        return w in self._words or self._affixed(w)

    def _affixed(self, w: str) -> bool:
        """Is ``w`` a stem plus one suffix and/or one prefix of the .aff rules?"""
        for a in self._affixes:
            if a.prefix or not w.endswith(a.add) or len(w) <= len(a.add) and a.add:
                continue
            stem = w[: len(w) - len(a.add)] + a.strip if a.add else w + a.strip
            flags = self._stems.get(stem)
            if flags and a.flag in flags and a.cond.search(stem):
                return True
            if a.cross:  # prefix + suffix
                for p in self._affixes:
                    if p.prefix and p.cross and stem.startswith(p.add) and p.add:
                        inner = p.strip + stem[len(p.add):]
                        f2 = self._stems.get(inner)
                        if f2 and a.flag in f2 and p.flag in f2 and a.cond.search(inner) and p.cond.search(inner):
                            return True
        for p in self._affixes:
            if not p.prefix or not p.add or not w.startswith(p.add) or len(w) <= len(p.add):
                continue
            stem = p.strip + w[len(p.add):]
            flags = self._stems.get(stem)
            if flags and p.flag in flags and p.cond.search(stem):
                return True
        return False

    def _sorted_words(self) -> list:
        if self._sorted is None:
            self._sorted = sorted(self._words)
        return self._sorted

    def word_starting_with(self, prefix: str) -> Optional[str]:
        """A longer word that starts with ``prefix``, else the prefix if it is a word."""
        p = prefix.casefold()
        words = self._sorted_words()
        i = bisect.bisect_right(words, p)
        if i < len(words) and words[i].startswith(p):
            return words[i]
        return p if p in self else None

    def word_ending_with(self, suffix: str) -> Optional[str]:
        s = suffix.casefold()
        if s in self:
            return s
        if self._rsorted is None:
            self._rsorted = sorted(w[::-1] for w in self._words)
        r = s[::-1]
        i = bisect.bisect_left(self._rsorted, r)
        return self._rsorted[i][::-1] if i < len(self._rsorted) and self._rsorted[i].startswith(r) else None

    def word_containing(self, part: str) -> Optional[str]:
        p = part.casefold()
        if p in self:
            return p
        if self._joined is None:
            self._joined = "\n" + "\n".join(self._sorted_words()) + "\n"
        i = self._joined.find(p)
        if i < 0 or "\n" in p:
            return None
        start = self._joined.rfind("\n", 0, i) + 1
        end = self._joined.find("\n", i)
        return self._joined[start:end]

    def __len__(self) -> int:
        return len(self._words)


class _WordfreqList(WordList):
    """Fallback when no system list exists and ``wordfreq`` is installed."""

    def __init__(self, lang: str):
        super().__init__(lang)
        import wordfreq  # noqa: F401 (checked by the caller)

        self.paths = [f"wordfreq (Zipf >= {WORDFREQ_MIN_ZIPF:g})"]

    def __contains__(self, word: str) -> bool:
        import wordfreq

        return wordfreq.zipf_frequency(word, self.lang) >= WORDFREQ_MIN_ZIPF

    def word_starting_with(self, prefix):
        return prefix if prefix in self else None

    word_ending_with = word_containing = word_starting_with

    def __len__(self) -> int:
        return 1


class WordLists:
    """Finds and caches the word list of each language."""

    def __init__(self, dict_dirs: Iterable = DICT_DIRS, hunspell_dirs: Iterable = HUNSPELL_DIRS,
                 *, use_wordfreq: bool = True):
        self.dict_dirs = [Path(d) for d in dict_dirs]
        self.hunspell_dirs = [Path(d) for d in hunspell_dirs]
        self.use_wordfreq = use_wordfreq
        self._cache: dict[str, Optional[WordList]] = {}

    def files_for(self, lang: str) -> list[Path]:
        primary, _region = normalize_lang(lang)
        out: list[Path] = []
        seen: set = set()

        def add(p: Path):
            try:
                real = p.resolve()
            except OSError:
                return
            if p.is_file() and real not in seen:
                seen.add(real)
                out.append(p)

        for d in self.dict_dirs:
            for name in DICT_NAMES.get(primary, ()):
                add(d / name)
        for d in self.hunspell_dirs:
            if d.is_dir():
                # xx_XX.dic first: de_DE before its de_BE / de_LU symlinks
                dics = sorted(d.glob("*.dic"), key=lambda p: (normalize_lang(p.stem)[1] != primary.upper(), p.name))
                for p in dics:
                    stem_lang = normalize_lang(p.stem)[0]
                    if stem_lang == primary:
                        add(p)
        return out

    def get(self, lang: str) -> Optional[WordList]:
        primary, _ = normalize_lang(lang)
        if primary not in self._cache:
            files = self.files_for(primary)
            wl: Optional[WordList] = WordList(primary, files) if files else None
            if wl is None and self.use_wordfreq:
                try:
                    import wordfreq

                    if wordfreq.zipf_frequency("a", primary) >= 0:
                        wl = _WordfreqList(primary)
                except Exception:
                    wl = None
            self._cache[primary] = wl
        return self._cache[primary]


DEFAULT = WordLists()


def _lang_name(lang: str) -> str:
    primary, _ = normalize_lang(lang)
    return LANG_NAMES.get(primary, f"'{lang}'")


def _suggest(trigger: str, wl: WordList) -> Optional[str]:
    for i in range(len(trigger) - 1, -1, -1):
        c = trigger[i]
        if c.isalpha():
            cand = trigger[: i + 1] + c + trigger[i + 1:]
            if cand not in wl:
                return cand
            break
    return None


def _check(snip, wl: WordList, lang_name: str) -> Optional[str]:
    trig = snip.trigger
    if not any(c.isalnum() for c in trig):
        return None
    ws, we = getattr(snip, "word_start", True), getattr(snip, "word_end", True)
    if ws and we:
        if trig not in wl:
            return None
        what = f"is an ordinary {lang_name} word: it fires whenever someone writes \"{trig}\""
    elif ws:
        word = wl.word_starting_with(trig)
        if word is None:
            return None
        what = (f"fires as soon as its last character is typed (word_end = false) and {lang_name} "
                f"words start with it: typing \"{word}\" fires it")
    elif we:
        word = wl.word_ending_with(trig)
        if word is None:
            return None
        what = f"fires at the end of {lang_name} words (word_start = false): typing \"{word}\" fires it"
    else:
        word = wl.word_containing(trig)
        if word is None:
            return None
        what = f"fires inside {lang_name} words (word_start = false, word_end = false): typing \"{word}\" fires it"
    hint = _suggest(trig, wl) if ws and we else None
    tail = f"; use a non-word such as '{hint}'" if hint else ""
    return f"accidental trigger '{trig}' {what}{tail}"


def accidental_trigger_warnings(
    sets: Iterable, *, default_lang: Optional[str] = None, wordlists: Optional[WordLists] = None
) -> list[Diagnostic]:
    """Warnings for triggers that ordinary writing in the set's language would fire.

    ``sets`` are loaded :class:`~snippets.model.SnippetSet` objects; a set's
    language is its ``lang`` (``[set] lang = "de"``), else ``default_lang``;
    sets with neither are not checked. A language without any word list gives
    one warning at the set, so a CI run with ``--strict`` notices.
    """
    wordlists = wordlists or DEFAULT
    out: list[Diagnostic] = []
    for sset in sets:
        lang = getattr(sset, "lang", None) or default_lang
        if not lang:
            continue
        wl = wordlists.get(lang)
        if wl is None:
            loc = getattr(sset, "location", None)
            line, col = (loc.line, loc.col) if loc is not None else (1, 1)
            primary, _ = normalize_lang(lang)
            hint = APT_HINT.get(primary, f"hunspell-{primary}")
            out.append(Diagnostic(sset.path, line, col, "warning",
                                  f"set '{sset.name}': no word list for language '{lang}', accidental "
                                  f"triggers are not checked (install {hint})"))
            continue
        name = _lang_name(lang)
        for snip in sset.snippets:
            msg = _check(snip, wl, name)
            if msg:
                loc = snip.location
                out.append(Diagnostic(loc.path, loc.line, loc.col, "warning", msg))
    return out
