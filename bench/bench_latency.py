"""Keystroke-to-expansion latency of live expansion under Xvfb (and start-up, RSS, idle CPU).

    python bench/bench_latency.py [--trials 50] [--unicode 1000] [--idle 60] [--no-10k]

Starts its own Xvfb (RECORD+XTEST), a Tk Text target (bench/latency_target.py) and
expander in its own process (bench/latency_runner.py). For each trial the bench
types the trigger, waits until the widget shows it, then sends the final key (space)
through XTEST itself and measures until the widget holds the full expansion (the
target timestamps it on <<Modified>> with the shared CLOCK_MONOTONIC).
Prints a markdown table. Targets: ASCII <= 4 ms, Czech <= 10 ms, 500 chars <= 25 ms,
start-up <= 0.3 s, RSS <= 60 MB, idle CPU ~0 %.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

ASCII24 = "Thanks for your message!"  # 24 chars
CZECH = "Děkuji, že jste nás kontaktovali."
TEXT500 = ("Dear customer, thank you for contacting our support team. We have received your "
           "request and a member of our team will get back to you within one business day. ") * 4
TEXT500 = (TEXT500 + "x" * 500)[:500]
UNICODE_POOL = ("ěščřžýáíéúůďťňĚŠČŘŽÝÁÍÉÚŮĎŤŇäöüßÄÖÜĉĝĥĵŝŭĈĜĤĴŜŬ„“”‘’«»–—…€£¥©®™✓★♥"
                "😀👍🎉🚀αβγδΩЖжЯяあいう中文 ")


def free_display() -> str:
    for n in range(300, 600):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            return f":{n}"
    raise SystemExit("no free display")


class Proc:
    def __init__(self, args, env, **kw):
        self.p = subprocess.Popen(args, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, encoding="utf-8", bufsize=1, **kw)
        self.lines: list = []
        self.cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            with self.cv:
                self.lines.append(line.rstrip("\n"))
                self.cv.notify_all()

    def wait_line(self, prefix, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for i, line in enumerate(self.lines):
                    if line.startswith(prefix):
                        del self.lines[: i + 1]
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cv.wait(left)

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


class Typist:
    """Sends keys through XTEST from this process."""

    def __init__(self, display):
        from Xlib import XK
        from Xlib.display import Display
        from Xlib.ext import xtest

        self.d = Display(display)
        self.xtest = xtest
        self.XK = XK
        self.shift = self.d.keysym_to_keycode(XK.XK_Shift_L)

    def tap(self, ch: str, flush=True):
        name = {" ": "space", "\n": "Return"}.get(ch, ch)
        sym = self.XK.string_to_keysym(name)
        kc = self.d.keysym_to_keycode(sym)
        self.xtest.fake_input(self.d, 2, kc)
        self.xtest.fake_input(self.d, 3, kc)
        if flush:
            self.d.flush()

    def key(self, name):
        kc = self.d.keysym_to_keycode(self.XK.string_to_keysym(name))
        self.xtest.fake_input(self.d, 2, kc)
        self.xtest.fake_input(self.d, 3, kc)
        self.d.flush()


def write_set(path: Path, snippets: dict, name="bench"):
    lines = ["[set]", f'name = "{name}"', "", "[snippets]"]
    for trig, rep in snippets.items():
        lines.append(f"{json.dumps(trig)} = {json.dumps(rep, ensure_ascii=False)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def pct(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--unicode", type=int, default=1000, help="mixed-Unicode expansions to check")
    ap.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measurement (60 for the full run)")
    ap.add_argument("--no-10k", action="store_true", help="skip the 10k-snippet start-up/RSS run")
    args = ap.parse_args(argv)

    display = free_display()
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-noreset", "-nolisten", "tcp",
                             "+extension", "RECORD", "+extension", "XTEST"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, DISPLAY=display, PYTHONPATH=str(ROOT), LC_ALL="C.UTF-8")
    procs = []
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="expander-bench-"))
    try:
        from Xlib.display import Display

        for _ in range(200):
            try:
                Display(display).close()
                break
            except Exception:
                time.sleep(0.025)
        rng = random.Random(7)
        uni = {f"u{i:02d}x": "".join(rng.choice(UNICODE_POOL) for _ in range(rng.randint(10, 40))).strip() or "ě"
               for i in range(40)}
        snippets = {"tyq": ASCII24, "dkj": CZECH, "lng": TEXT500, **uni}
        write_set(tmp / "bench.toml", snippets)

        target = Proc([sys.executable, str(HERE / "latency_target.py")], env)
        procs.append(target)
        assert target.wait_line("ready"), "Tk target did not get focus"
        runner = Proc([sys.executable, str(HERE / "latency_runner.py"), str(tmp / "bench.toml")], env)
        procs.append(runner)
        assert runner.wait_line("ready", 20), "expander did not start"
        time.sleep(0.3)
        typist = Typist(display)

        def clear():
            target.send("clear")
            target.wait_line("cleared")

        def expand(trigger, expected, field_before=""):
            """Type trigger (not measured), then the final space (measured)."""
            target.send("expect " + json.dumps(field_before + trigger))
            for ch in trigger:
                typist.tap(ch)
            if target.wait_line("hit", 5) is None:
                return None
            target.send("expect " + json.dumps(field_before + expected + " "))
            time.sleep(0.005)
            t0 = time.monotonic()
            typist.tap(" ")
            line = target.wait_line("hit", 5)
            if line is None:
                return None
            return (float(line.split()[1]) - t0) * 1000

        def latency(trigger, expected, label):
            vals = []
            for _ in range(args.trials):
                typist.key("Escape")
                clear()
                ms = expand(trigger, expected)
                if ms is None:
                    raise SystemExit(f"{label}: expansion did not arrive")
                vals.append(ms)
            rows.append((label, f"{statistics.median(vals):.2f} ms", f"{pct(vals, 0.9):.2f} ms"))
            print(f"# {label}: median {statistics.median(vals):.2f} ms, p90 {pct(vals, 0.9):.2f} ms",
                  file=sys.stderr)

        latency("tyq", ASCII24, "24-char ASCII expansion (typed)")
        latency("dkj", CZECH, "Czech sentence, 33 chars (typed)")
        latency("lng", TEXT500, "500-char text (pasted)")

        # correctness: mixed Unicode expansions, compared character by character
        wrong_chars = wrong_exp = 0
        done = 0
        triggers = list(uni)
        while done < args.unicode:
            typist.key("Escape")
            clear()
            field = ""
            for _ in range(min(10, args.unicode - done)):
                trig = triggers[done % len(triggers)]
                ms = expand(trig, uni[trig], field)
                field += uni[trig] + " "
                done += 1
                if ms is None:
                    target.send("get")
                    got = json.loads(target.wait_line("text ")[5:])
                    sm = difflib.SequenceMatcher(a=field, b=got, autojunk=False)
                    same = sum(b.size for b in sm.get_matching_blocks())
                    wrong_chars += max(len(field), len(got)) - same
                    wrong_exp += 1
                    break
        rows.append((f"{args.unicode} mixed-Unicode expansions", f"{wrong_chars} wrong chars",
                     f"{wrong_exp} wrong expansions"))

        # idle CPU of the running expander
        pid = runner.p.pid

        def cpu():
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        c0, t0 = cpu(), time.monotonic()
        time.sleep(args.idle)
        idle = (cpu() - c0) / (time.monotonic() - t0) * 100
        rows.append((f"idle CPU over {args.idle:.0f} s", f"{idle:.2f} %", ""))
        runner.stop()
        procs.remove(runner)

        if not args.no_10k:
            big = {f"t{i:05d}q": f"Snippet number {i} with some text, ěšč {i}" for i in range(10_000)}
            write_set(tmp / "big.toml", big, name="big")
            t0 = time.monotonic()
            runner = Proc([sys.executable, str(HERE / "latency_runner.py"), str(tmp / "big.toml")], env)
            procs.append(runner)
            line = runner.wait_line("ready", 60)
            wall = time.monotonic() - t0
            inproc = float(line.split()[1])
            with open(f"/proc/{runner.p.pid}/status") as f:
                rss = next(int(x.split()[1]) for x in f if x.startswith("VmRSS")) / 1024
            rows.append(("start-up to ready, 10k snippets", f"{wall:.3f} s (process start)",
                         f"{inproc:.3f} s (after interpreter start)"))
            rows.append(("RSS with 10k snippets", f"{rss:.1f} MB", ""))
            runner.stop()
            procs.remove(runner)

            # the whole app as users start it: config, control socket, watcher, hotkey
            private = {k: str(tmp / k.lower()) for k in
                       ("EXPANDER_CONFIG_DIR", "EXPANDER_STATE_DIR", "EXPANDER_CACHE_DIR", "EXPANDER_RUNTIME_DIR")}
            t0 = time.monotonic()
            app = Proc([sys.executable, "-m", "expander", "run", "--no-tray", "--snippets", str(tmp / "big.toml")],
                       dict(env, PYTHONPATH=str(ROOT), **private), stderr=subprocess.STDOUT, cwd=str(ROOT))
            procs.append(app)
            assert app.wait_line("expander: ready", 60), "expander run did not get ready"
            wall = time.monotonic() - t0
            time.sleep(1.0)  # let the hotkey listener and watcher settle before reading memory
            with open(f"/proc/{app.p.pid}/status") as f:
                rss = next(int(x.split()[1]) for x in f if x.startswith("VmRSS")) / 1024
            rows.append(("`expander run --no-tray`, 10k snippets: ready / RSS", f"{wall:.3f} s", f"{rss:.1f} MB"))
            app.stop()
            procs.remove(app)
    finally:
        for p in procs:
            p.stop()
        xvfb.terminate()
        xvfb.wait()
    print("| measurement | median / value | p90 / detail |")
    print("|---|---|---|")
    for label, a, b in rows:
        print(f"| {label} | {a} | {b} |")


if __name__ == "__main__":
    main()
