"""patches, trailers, list repositories; search fields sym, dfhh, dfa, dfb

Revision ID: 0004
Revises: 0003

SQLite's FTS5 table cannot gain columns, so it is made again with the new
ones; PostgreSQL gets four tsvector columns with a GIN index each. Both are
then refilled from the stored anatomy (listkeeper.search.rebuild), and the
patch model is computed, so an upgraded archive answers the new prefixes at
once.
"""

from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_FIELDS = ("subject", "sender", "tos", "ccs", "own", "quoted", "dfn")
NEW_FIELDS = ("sym", "dfhh", "dfa", "dfb")


def upgrade() -> None:
    op.create_table(
        "patches",
        sa.Column("message_pk", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("series_key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_by", sa.Text(), nullable=True),
        sa.Column("state_ref", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"]),
        sa.ForeignKeyConstraint(["message_pk"], ["messages.id"]),
        sa.PrimaryKeyConstraint("message_pk"),
    )
    op.create_index("ix_patches_series_key", "patches", ["series_key"])
    op.create_index("ix_patches_list_state", "patches", ["list_id", "state"])
    op.create_table(
        "patch_trailers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_pk", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("given_in", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["message_pk"], ["messages.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_patch_trailers_message_pk", "patch_trailers", ["message_pk"])
    op.create_table(
        "list_repos",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("commit_url", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"]),
        sa.PrimaryKeyConstraint("list_id"),
    )
    _add_search_fields()
    _derive()


def _add_search_fields() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_fts")
        columns = ", ".join(OLD_FIELDS + NEW_FIELDS)
        op.execute(
            f"CREATE VIRTUAL TABLE search_fts USING fts5({columns}, content='', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        return
    for field in NEW_FIELDS:
        op.execute(f"ALTER TABLE search_docs ADD COLUMN {field} tsvector NOT NULL DEFAULT ''")
        op.execute(f"CREATE INDEX ix_search_docs_{field} ON search_docs USING gin ({field})")


def _derive() -> None:
    """Fill what the new structures hold from what is already stored."""
    from listkeeper.patches.compute import compute_patches
    from listkeeper.search.rebuild import rebuild_search_index

    connection = op.get_bind()
    rebuild_search_index(connection)
    compute_patches(connection, None)


def downgrade() -> None:
    op.drop_table("list_repos")
    op.drop_table("patch_trailers")
    op.drop_table("patches")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_fts")
        columns = ", ".join(OLD_FIELDS)
        op.execute(
            f"CREATE VIRTUAL TABLE search_fts USING fts5({columns}, content='', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
    else:
        for field in NEW_FIELDS:
            op.execute(f"ALTER TABLE search_docs DROP COLUMN {field}")
    # The search index is left empty: `listkeeper reindex` on the old version fills it.
