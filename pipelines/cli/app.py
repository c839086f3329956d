"""The ``callqa`` Typer app that every command module adds its commands to."""

import typer

app = typer.Typer(
    help="Score customer-support conversations: ingest, analyse, store, report.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",  # docstrings reflow: a wrapped line is not a line break
)
