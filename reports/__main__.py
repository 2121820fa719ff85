"""Command line: ``python -m reports render RESULTS... -o DIR``, ``python -m reports summary RESULTS... -o FILE``
and ``python -m reports spec -o DIR``.

``render`` writes DIR/index.html from one results file (a run's report) or several (runs side by
side: other adapters, devices or editions, e.g. the jobs of a CI matrix). ``summary`` writes their
Markdown summary (reports/markdown.py: counts, then one line per divergence, new ones first) for a CI
step summary or a pull-request comment. ``spec`` writes
DIR/spec.html, the readable spec, from the reference's docstrings and registry and the checks the
suite collects. ``screenshot PAGE -o PNG`` photographs a page in headless Chromium and exits 1 if the page logged a
console error, threw, or asked the network for anything (CI checks the gate's pages so). Exit status 2,
with a message, on a missing or malformed results file or a missing browser.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports.runs import ReportError, load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="render the HTML divergence report of one or more runs")
    r.add_argument("results", nargs="+", type=Path, help="results.jsonl files (or directories holding one)")
    r.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="writes DIR/index.html")
    m = sub.add_parser("summary", help="a Markdown summary of one or more runs (CI step summary, PR comment)")
    m.add_argument("results", nargs="+", type=Path, help="results.jsonl files (or directories holding one)")
    m.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="writes FILE ('-': stdout)")
    s = sub.add_parser("spec", help="render the readable spec")
    s.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="writes DIR/spec.html")
    shot = sub.add_parser("screenshot", help="a PNG of a rendered page in headless Chromium (the README's picture)")
    shot.add_argument("page", type=Path, help="an HTML file, e.g. out/tf/index.html")
    shot.add_argument("-o", "--output", type=Path, required=True, metavar="PNG")
    args = parser.parse_args(argv)
    if args.command in ("render", "summary"):
        try:
            runs = [load(p) for p in args.results]
        except ReportError as e:
            print(f"python -m reports {args.command}: {e}", file=sys.stderr)
            return 2
        if args.command == "render":
            from reports.render import render_report

            print(render_report(runs, args.output))
        else:
            from reports.markdown import summary

            text = summary(runs)
            if str(args.output) == "-":
                sys.stdout.write(text)
            else:
                args.output.parent.mkdir(parents=True, exist_ok=True)
                args.output.write_text(text, encoding="utf-8")
                print(args.output)
    elif args.command == "spec":
        from reports.spec import render_spec

        print(render_spec(args.output))
    else:
        from reports.browser import BrowserUnavailable, screenshot

        try:
            problems = screenshot(args.page, args.output)
        except BrowserUnavailable as e:
            print(f"python -m reports screenshot: {e}", file=sys.stderr)
            return 2
        for p in problems:
            print(f"python -m reports screenshot: {args.page}: {p}", file=sys.stderr)
        print(args.output)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
