"""`python -m bench <name> [options]`: run one benchmark; `python -m bench <name> --help`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# name -> (module, one-line description)
BENCHMARKS = {
    "webhook": ("bench.webhook", "inbound webhook vs a bare FastAPI baseline"),
    "burst": ("bench.burst", "morning burst: 1 vs 2 dispatch workers, duplicates, limiter"),
    "import": ("bench.import_csv", "enrolment CSV import through the CLI"),
    "tick": ("bench.tick", "scheduler tick with nothing due: small vs large enrolment"),
    "pages": ("bench.pages", "API and admin pages with 10,000 patients and a year of texts"),
    "request-scope": (
        "bench.request_scope",
        "one transaction per request vs a session per dependency",
    ),
    "logins": ("bench.logins", "webhook latency during a login flood, against without it"),
    "pg-pipeline": ("bench.pg_pipeline", "PostgreSQL statements one by one vs pipeline mode"),
    "writer": ("bench.writer", "the inbound writer in process: CPU per text by batch size"),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="name", required=True, metavar="<name>")
    for name, (module_name, help_text) in BENCHMARKS.items():
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=help_text, description=module.__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
        module.add_arguments(command)
        command.add_argument("--json", metavar="PATH", help="also write the result here")
    args = parser.parse_args(argv)
    os.environ.setdefault("SMS_TRANSPORT", "console")
    importlib.import_module(BENCHMARKS[args.name][0]).run(args)


if __name__ == "__main__":
    main(sys.argv[1:])
