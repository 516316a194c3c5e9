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


DB = Setting(
    "db",
    "LISTKEEPER_DB",
    "./listkeeper.sqlite3",
    "Database: a SQLite file path, sqlite:///PATH or postgresql://USER@HOST/NAME.",
)
