"""Exceptions users can meet, each turned into one line and an exit code by the CLI."""

from __future__ import annotations

EXIT_NOT_FOUND = 1
EXIT_BAD_SOURCE = 2
EXIT_DATABASE = 3
EXIT_BAD_QUERY = 4


class ListkeeperError(Exception):
    """An error with a message meant for the user and an exit code."""

    exit_code = EXIT_NOT_FOUND


class NotFound(ListkeeperError):
    exit_code = EXIT_NOT_FOUND
