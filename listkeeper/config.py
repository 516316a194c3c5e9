"""Settings, in one place: each with its default, its environment variable and help."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    env: str
    default: str
    help: str

    def value(self) -> str:
        return os.environ.get(self.env, self.default)

    def is_on(self) -> bool:
        return self.value().strip().lower() in {"1", "true", "yes", "on"}


DB = Setting(
    "db",
    "LISTKEEPER_DB",
    "./listkeeper.sqlite3",
    "Database: a SQLite file path, sqlite:///PATH or postgresql://USER@HOST/NAME.",
)

HTTPS = Setting(
    "https",
    "LISTKEEPER_HTTPS",
    "0",
    "1 when the site is served over https: session cookies are then marked Secure.",
)

SECRET = Setting(
    "secret",
    "LISTKEEPER_SECRET",
    "",
    "Key that signs session cookies; default: one made once and kept in the database "
    "(set it where the database is a read-only replica).",
)
