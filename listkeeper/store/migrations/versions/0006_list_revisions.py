"""lists carry a revision and when it last changed

Revision ID: 0006
Revises: 0005

A list page's, a feed's and a search page's validators counted the list's
memberships on every request, which reads the whole list (a million rows
for a big one, even for a page served from the cache). The writer now bumps
``lists.revision`` as messages join or leave a list and sets
``lists.changed_at``; validators read those rows. Existing lists start at
their message count, changed when their newest message was stored.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: a batch (copy) of lists on SQLite
    # would trip the foreign keys that point at it.
    op.add_column("lists", sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
    op.add_column("lists", sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE lists SET revision = "
        "(SELECT count(*) FROM list_messages WHERE list_messages.list_id = lists.id), "
        "changed_at = (SELECT messages.received_at FROM messages WHERE messages.id = "
        "(SELECT max(message_pk) FROM list_messages WHERE list_messages.list_id = lists.id))"
    )


def downgrade() -> None:
    op.drop_column("lists", "changed_at")
    op.drop_column("lists", "revision")
