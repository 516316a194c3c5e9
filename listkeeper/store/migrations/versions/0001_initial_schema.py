"""initial schema

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('list_id', sa.Text(), nullable=True),
    sa.Column('private', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('canonical', sa.Boolean(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('raw_size', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('envelope', sa.Text(), nullable=True),
    sa.Column('date', sa.DateTime(timezone=True), nullable=False),
    sa.Column('date_source', sa.String(length=16), nullable=False),
    sa.Column('from_name', sa.Text(), nullable=False),
    sa.Column('from_addr', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('in_reply_to', sa.Text(), nullable=True),
    sa.Column('refs', sa.Text(), nullable=False),
    sa.Column('anatomy', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sha256')
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_date', ['date'], unique=False)
        batch_op.create_index('ix_messages_message_id', ['message_id'], unique=False)

    op.create_table('quarantine',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_name', sa.String(length=200), nullable=True),
    sa.Column('origin', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sha256')
    )
    op.create_table('threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('list_messages',
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('message_pk', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['lists.id'], ),
    sa.ForeignKeyConstraint(['message_pk'], ['messages.id'], ),
    sa.PrimaryKeyConstraint('list_id', 'message_pk')
    )
    with op.batch_alter_table('list_messages', schema=None) as batch_op:
        batch_op.create_index('ix_list_messages_message_pk', ['message_pk'], unique=False)

    op.create_table('thread_nodes',
    sa.Column('message_id', sa.Text(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('parent', sa.Text(), nullable=True),
    sa.Column('parent_found_by', sa.String(length=16), nullable=True),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], ),
    sa.PrimaryKeyConstraint('message_id')
    )
    with op.batch_alter_table('thread_nodes', schema=None) as batch_op:
        batch_op.create_index('ix_thread_nodes_parent', ['parent'], unique=False)
        batch_op.create_index('ix_thread_nodes_thread_id', ['thread_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('thread_nodes', schema=None) as batch_op:
        batch_op.drop_index('ix_thread_nodes_thread_id')
        batch_op.drop_index('ix_thread_nodes_parent')

    op.drop_table('thread_nodes')
    with op.batch_alter_table('list_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_list_messages_message_pk')

    op.drop_table('list_messages')
    op.drop_table('threads')
    op.drop_table('quarantine')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_message_id')
        batch_op.drop_index('ix_messages_date')

    op.drop_table('messages')
    op.drop_table('lists')
