"""list memberships carry the message's date: each list's timeline

Revision ID: 0009
Revises: 0008

A list's front page (its threads by latest activity), its months and the
site's list of lists grouped every membership of a list with its message:
over a list of half a million messages, seconds per page view. Each
membership now holds its message's date (NULL for a non-canonical copy,
which pages do not list), indexed by list and date, so those pages read the
newest entries of one index, or count it, without reading messages.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("list_messages", sa.Column("date", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE list_messages SET date = (SELECT CASE WHEN messages.canonical "
        "THEN messages.date END FROM messages WHERE messages.id = list_messages.message_pk)"
    )
    op.create_index("ix_list_messages_timeline", "list_messages", ["list_id", "date"])


def downgrade() -> None:
    op.drop_index("ix_list_messages_timeline", table_name="list_messages")
    with op.batch_alter_table("list_messages") as batch:
        batch.drop_column("date")
