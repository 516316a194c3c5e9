"""messages keep their compressed blobs in their last columns

Revision ID: 0008
Revises: 0007

SQLite stores a row's columns in order and spills what does not fit in a
page to a chain of overflow pages, which it must walk to reach any column
after the spill. ``raw`` and ``anatomy`` (a few KB each) came fifth and last
but one, so reading a message's date, sender or subject read every page of
its mail: a month page of a big list read gigabytes. With the blobs last,
those columns sit in the row's first page.

The table is copied once (Alembic's batch "recreate"): this needs free disk
about the size of the table while it runs, and the old pages stay free in
the file until ``listkeeper compact``. PostgreSQL keeps big values out of
line already (TOAST), so there it changes nothing.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BLOBS_LAST = (
    "id",
    "message_id",
    "sha256",
    "canonical",
    "date",
    "date_source",
    "from_name",
    "from_addr",
    "subject",
    "received_at",
    "raw_size",
    "in_reply_to",
    "envelope",
    "refs",
    "anatomy",
    "raw",
)
BLOBS_INSIDE = (
    "id",
    "message_id",
    "sha256",
    "canonical",
    "raw",
    "raw_size",
    "received_at",
    "envelope",
    "date",
    "date_source",
    "from_name",
    "from_addr",
    "subject",
    "in_reply_to",
    "refs",
    "anatomy",
)


def _reorder(order: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # The unique constraint on sha256 is reflected unnamed; the copy keeps it.
    with op.batch_alter_table("messages", recreate="always", partial_reordering=[order]):
        pass


def upgrade() -> None:
    _reorder(BLOBS_LAST)


def downgrade() -> None:
    _reorder(BLOBS_INSIDE)
