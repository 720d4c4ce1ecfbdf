#!/usr/bin/env python3
"""Run the code blocks of a Markdown file that follow a `<!-- example: run -->` marker.

`python` blocks run with the interpreter given by --python, `sh` blocks with bash -euo
pipefail. The environment (BASE_URL, DRIFTWATCH_KEY) is passed through. Exits non-zero when
any example fails, naming it by its line in the file.
"""
import argparse
import re
import subprocess
import sys

MARK = "<!-- example: run -->"


def examples(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() == MARK:
            j = i + 1
            m = re.match(r"^```(\w+)\s*$", lines[j]) if j < len(lines) else None
            if not m:
                sys.exit(f"{path}:{i + 1}: marker not followed by a fenced block")
            end = j + 1
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            yield j + 1, m.group(1), "\n".join(lines[j + 1:end]) + "\n"
            i = end
        i += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("markdown")
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args()
    failed = 0
    ran = 0
    for line, lang, code in examples(args.markdown):
        cmd = {"python": [args.python, "-"], "sh": ["bash", "-euo", "pipefail", "-s"]}.get(lang)
        if cmd is None:
            sys.exit(f"{args.markdown}:{line}: cannot run a `{lang}` example")
        print(f"--- {args.markdown}:{line} ({lang})", flush=True)
        res = subprocess.run(cmd, input=code, text=True)
        ran += 1
        if res.returncode != 0:
            print(f"FAILED: {args.markdown}:{line} exited {res.returncode}", flush=True)
            failed += 1
    if ran == 0:
        sys.exit(f"{args.markdown}: no runnable examples found")
    print(f"{ran - failed} of {ran} examples passed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
