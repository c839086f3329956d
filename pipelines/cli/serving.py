"""The review workspace: ``serve``, and the accounts that sign in (``user add|list|remove``)."""

from __future__ import annotations

import secrets
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from callqa.pipelines.cli.app import app
from callqa.pipelines.cli.common import (
    ConfigOption,
    DbOption,
    command_actor,
    configured,
    load_card,
    open_store,
)
from callqa.pipelines.web.auth import AccountError, add_user
from callqa.pipelines.workspace import Folders

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

user_app = typer.Typer(help="Accounts of the review workspace.", no_args_is_help=True)
app.add_typer(user_app, name="user")


class RoleChoice(StrEnum):
    admin = "admin"
    reviewer = "reviewer"
    coach = "coach"
    agent = "agent"


@app.command()
def serve(
    db: DbOption = "callqa.db",
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    secret: Annotated[
        str | None,
        typer.Option(
            envvar="CALLQA_SECRET",
            help="Signs session cookies (32+ characters); needed to listen beyond this machine.",
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """The review workspace in a browser: calls with filters, the review queue, call pages with
    overrides, coaching plans, the audit log."""
    import uvicorn

    from callqa.pipelines.web.app import create_app

    if secret is None and host not in LOCAL_HOSTS:
        typer.echo(
            f"error: --host {host}: set a secret (--secret or CALLQA_SECRET) first", err=True
        )
        raise typer.Exit(2)
    if secret is not None and (len(secret) < 32 or len(set(secret)) < 8):
        typer.echo("error: --secret: use 32 characters or more, not one repeated", err=True)
        raise typer.Exit(2)
    team = configured(config)
    store = open_store(db)
    if not store.list_users():
        typer.echo(f"error: no accounts yet: callqa user add NAME --role admin --db {db}", err=True)
        raise typer.Exit(1)
    load_card(team.process.scorecard)  # a bad scorecard stops here, with its reason
    workspace = create_app(
        store, secret or secrets.token_urlsafe(32), team.process.scorecard, team.flags,
        Folders.beside(db, Path(team.process.muted_audio) if team.process.muted_audio else None),
    )  # fmt: skip
    if not _free(host, port):
        typer.echo(f"error: {host}:{port} is in use: choose another --port", err=True)
        raise typer.Exit(1)
    typer.echo(f"callqa workspace on http://{host}:{port}/ (Ctrl-C stops it)")
    uvicorn.run(workspace, host=host, port=port, log_level="warning")


def _free(host: str, port: int) -> bool:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The account's name.")],
    role: Annotated[RoleChoice, typer.Option(help="What the account may do.")],
    agent_id: Annotated[
        str | None, typer.Option(help="For an agent account: the agent whose calls it sees.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    db: DbOption = "callqa.db",
) -> None:
    """Add an account (or give an existing one a new role and password)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        add_user(open_store(db, create=True), name, role.value, password, command_actor(), agent_id)
    except AccountError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"account {name} ({role.value}) saved in {db}")


@user_app.command("list")
def user_list(db: DbOption = "callqa.db") -> None:
    """The accounts, with their roles."""
    for user in open_store(db).list_users():
        agent = f"  agent {user.agent_id}" if user.agent_id else ""
        typer.echo(f"{user.name}  {user.role}{agent}  since {user.created_at:%Y-%m-%d}")


@user_app.command("remove")
def user_remove(name: Annotated[str, typer.Argument()], db: DbOption = "callqa.db") -> None:
    """Remove an account (its reviews stay, under its name)."""
    if not open_store(db).remove_user(name, command_actor()):
        typer.echo(f"error: no account {name!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"account {name} removed")
