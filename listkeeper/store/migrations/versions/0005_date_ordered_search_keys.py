"""search rows keyed by date (SQLite); identifiers kept whole (both)

Revision ID: 0005
Revises: 0004

The FTS5 rowid becomes a search key, (date in seconds) << 31 | message id
(listkeeper.search.backend.SEARCH_KEY_SQL): FTS5 then yields matches newest
first and a date range is a rowid range, so a search reads only the page,
the count cap or the ranking window it needs instead of every match. A
contentless FTS5 table cannot change its rowids, so it is made again and
refilled from the stored anatomy.

Both full-text engines split words at "_", so xen_pt_switch was indexed as
three words and searched as a phrase, checked against positions row by row
(and dma_map_page found dma_map_page_attrs too). An identifier is now one
word, as listkeeper's own word splitting has it: FTS5 is told "_" is a word
character, and PostgreSQL's lexemes spell "_" with letters
(until 0011, which indexes words as listkeeper splits them). Both indexes
are refilled.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


FIELDS = ("subject", "sender", "tos", "ccs", "own", "quoted", "dfn", "sym", "dfhh", "dfa", "dfb")


def upgrade() -> None:
    from listkeeper.search.rebuild import rebuild_search_index

    _make_fts5_table("unicode61 remove_diacritics 2 tokenchars '_'")
    rebuild_search_index(op.get_bind())


def downgrade() -> None:
    """0004 reads rowids as message ids and splits words at "_", so this
    index would answer wrongly: it is left empty, and `listkeeper reindex`
    on the old version fills it."""
    from listkeeper.search.rebuild import clear_search_index

    _make_fts5_table("unicode61 remove_diacritics 2")
    clear_search_index(op.get_bind())


def _make_fts5_table(tokenizer: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE search_fts")
    op.execute(
        f"CREATE VIRTUAL TABLE search_fts USING fts5({', '.join(FIELDS)}, content='', "
        f'tokenize="{tokenizer}")'
    )
