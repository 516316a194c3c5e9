"""full-text search index

Revision ID: 0002
Revises: 0001

SQLite: one contentless FTS5 table (rowid = messages.id); snippets are cut
from the stored anatomy, so the text is not kept twice. PostgreSQL: one
tsvector column per field with a GIN index each. Neither is in
schema.metadata: they are dialect-specific and owned by listkeeper.search.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FIELDS = ("subject", "sender", "tos", "ccs", "own", "quoted", "dfn")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        columns = ", ".join(FIELDS)
        op.execute(
            f"CREATE VIRTUAL TABLE search_fts USING fts5({columns}, content='', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        return
    columns = ", ".join(f"{field} tsvector NOT NULL" for field in FIELDS)
    op.execute(
        f"CREATE TABLE search_docs (message_pk integer PRIMARY KEY "
        f"REFERENCES messages(id), {columns})"
    )
    for field in FIELDS:
        op.execute(f"CREATE INDEX ix_search_docs_{field} ON search_docs USING gin ({field})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_fts")
    else:
        op.execute("DROP TABLE search_docs")
