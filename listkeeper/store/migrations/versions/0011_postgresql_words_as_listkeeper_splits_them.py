"""PostgreSQL indexes listkeeper's own words, not its parser's

Revision ID: 0011
Revises: 0010

search_docs held what PostgreSQL's text parser made of each field, which
is not always listkeeper's words: it read the commit id 99982590e32a as
a number and a word, and "_" had to be spelled with letters to keep
identifiers whole. Fields are now stored as tsvector literals of
listkeeper's words, and queries are tsquery literals of the same words
(listkeeper.search.tsvector), so the index is refilled. SQLite's index
is unchanged.
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from listkeeper.search.rebuild import rebuild_search_index

    if op.get_bind().dialect.name == "postgresql":
        rebuild_search_index(op.get_bind())


def downgrade() -> None:
    """0010 parses text its own way, so this index would answer wrongly:
    it is left empty, and `listkeeper reindex` on the old version fills it."""
    from listkeeper.search.rebuild import clear_search_index

    if op.get_bind().dialect.name == "postgresql":
        clear_search_index(op.get_bind())
