"""`lupus-sms patients import FILE --clinic ...`: the CSV import from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lupus_sms.clinics.cli import cli_session, find_clinic
from lupus_sms.core.clock import system_clock
from lupus_sms.enrollment.csv_import import import_csv

patients_app = typer.Typer(help="Patients of a clinic.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(patients_app, name="patients")


@patients_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    clinic: str = typer.Option(..., "--clinic", help="Clinic id or exact name."),
) -> None:
    """Enrol or update patients from a CSV (columns: see the README). Exit 1 if a row failed."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise typer.BadParameter("the file must be UTF-8 text", param_hint="FILE") from None
    with cli_session() as db:
        found = find_clinic(db, clinic)
        lines = max(text.count("\n"), 1)
        with typer.progressbar(length=lines, label="importing", file=None) as bar:
            result = import_csv(
                db, clinic=found, text=text, now=system_clock.now(), progress=bar.update
            )
            bar.update(lines)
    for row in result.rows:
        if row.result == "error":
            typer.echo(f"line {row.line}: {row.error}", err=True)
    typer.echo(
        f"created {result.created}, updated {result.updated}, "
        f"unchanged {result.unchanged}, failed {result.failed}"
    )
    if result.failed:
        raise typer.Exit(1)
