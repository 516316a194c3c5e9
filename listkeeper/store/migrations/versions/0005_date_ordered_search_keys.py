"""SQLite: search rows keyed by date, so matches come newest first

Revision ID: 0005
Revises: 0004

The FTS5 rowid becomes a search key, (date in seconds) << 31 | message id
(listkeeper.search.backend.SEARCH_KEY_SQL): FTS5 then yields matches newest
first and a date range is a rowid range, so a search reads only the page,
the count cap or the ranking window it needs instead of every match. A
contentless FTS5 table cannot change its rowids, so it is made again and
refilled from the stored anatomy. PostgreSQL is unchanged.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from listkeeper.search.rebuild import rebuild_search_index

    if op.get_bind().dialect.name == "sqlite":
        rebuild_search_index(op.get_bind())


def downgrade() -> None:
    """0004 reads rowids as message ids, so keys would answer wrongly: the
    index is left empty, and `listkeeper reindex` on the old version fills it."""
    from listkeeper.search.rebuild import clear_search_index

    if op.get_bind().dialect.name == "sqlite":
        clear_search_index(op.get_bind())
