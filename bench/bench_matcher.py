"""Matcher benchmark: load time, per-keystroke cost and memory at 1 to 100k snippets.

    python3 bench/bench_matcher.py            # all sizes, markdown table
    python3 bench/bench_matcher.py --sizes 1000 100000

Each size runs in a fresh process so memory figures are its own. Snippets are
generated (random 3-10 letter triggers, 20-60 character replacements, a tenth
of them immediate, a tenth exact-case); the typing stream is a realistic mix of
words, separators and triggers (so expansions happen), replayed through
``Engine.feed`` one key at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LETTERS = "abcdefghijklmnopqrstuvwxyzáčďéěíňóřšťúůýž"
WORDS = "the quick brown fox jumps over a lazy dog dobrý den děkuji hallo bitte danke für ihre nachricht".split()


def generate(n: int, path: Path, seed: int = 1, all_long: bool = False) -> list[str]:
    """Write ``n`` snippets to ``path``: plain ones in the short form, ones with options long."""
    rnd = random.Random(seed)
    triggers: list[str] = []
    seen: set = set()
    short, long = [], []
    while len(triggers) < n:
        t = "".join(rnd.choice(LETTERS) for _ in range(rnd.randint(3, 10)))
        if t in seen:
            continue
        seen.add(t)
        triggers.append(t)
        repl = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 8)))
        r = rnd.random()
        if r < 0.1:
            long.append(f'[[snippet]]\ntrigger = "{t}"\nreplace = "{repl}"\nword_end = false\n')
        elif r < 0.2:
            long.append(f'[[snippet]]\ntrigger = "{t}"\nreplace = "{repl}"\ncase = "exact"\n')
        elif all_long:
            long.append(f'[[snippet]]\ntrigger = "{t}"\nreplace = "{repl}"\n')
        else:
            short.append(f'"{t}" = "{repl}"\n')
    text = ("[snippets]\n" + "".join(short) if short else "") + "".join(long)
    path.write_text(text, encoding="utf-8")
    return triggers


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def one_size(n: int, keystrokes: int, all_long: bool = False) -> dict:
    from expander.engine import Engine
    from snippets.loader import load_library

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gen.toml"
        triggers = generate(n, path, all_long=all_long)
        base_rss = rss_kib()
        t0 = time.perf_counter()
        result = load_library([path])
        engine = Engine(result.library)
        load_s = time.perf_counter() - t0
        assert result.ok and result.library.snippet_count == n
        rss = rss_kib() - base_rss

    rnd = random.Random(7)
    stream: list[str] = []
    while len(stream) < keystrokes:
        word = rnd.choice(triggers) if rnd.random() < 0.2 else rnd.choice(WORDS)
        stream.extend(word)
        stream.append(rnd.choice(" ,. \n"))
    stream = stream[:keystrokes]
    feed = engine.feed
    clock = time.perf_counter_ns
    for ch in stream[:2000]:  # warm up
        feed(ch)
    costs = []
    expansion_costs = []
    for ch in stream:
        t = clock()
        out = feed(ch)
        dt = clock() - t
        costs.append(dt)
        if out is not None:
            expansion_costs.append(dt)
    costs.sort()
    expansions = len(expansion_costs)
    return {
        "snippets": n,
        "load_s": load_s,
        "median_us": statistics.median(costs) / 1000,
        "p99_us": costs[int(len(costs) * 0.99)] / 1000,
        "expansion_median_us": statistics.median(expansion_costs) / 1000,
        "rss_mib": rss / 1024,
        "keystrokes": len(stream),
        "expansions": expansions,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[1, 1000, 10000, 100000])
    ap.add_argument("--keystrokes", type=int, default=100000)
    ap.add_argument("--long-form", action="store_true", help="write every snippet as [[snippet]]")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(one_size(args.one, args.keystrokes, args.long_form)))
        return 0
    rows = []
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--keystrokes", str(args.keystrokes)]
            + (["--long-form"] if args.long_form else []),
            capture_output=True, text=True, check=True,
        )
        rows.append(json.loads(out.stdout))
    form = "all [[snippet]] tables" if args.long_form else "short form, options as [[snippet]]"
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.keystrokes} keystrokes per size, {form}\n")
    print("| snippets | load (s) | per key median (µs) | per key p99 (µs) | expanding key median (µs) "
          "| memory (MiB) | expansions |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['snippets']:,} | {r['load_s']:.3f} | {r['median_us']:.2f} | {r['p99_us']:.2f} | "
              f"{r['expansion_median_us']:.2f} | {r['rss_mib']:.1f} | {r['expansions']:,} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
