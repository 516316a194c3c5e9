"""The command's exit codes: one place, so scripts and tests can rely on them."""

from __future__ import annotations

EXIT_NOT_FOUND = 1  # no such message, list or quarantined item
EXIT_BAD_SOURCE = 2  # a source that is missing or not mail
EXIT_USAGE = 2  # a bad option value, as typer's own usage errors
EXIT_DATABASE = 3  # the database cannot be opened or used
EXIT_BAD_QUERY = 4  # a malformed search query (the message names the position)
EXIT_INVALID = 5  # a name or password that cannot be used, or a user that exists
