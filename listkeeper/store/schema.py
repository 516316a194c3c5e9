"""The database schema, declared once for SQLite and PostgreSQL.

Raw bytes are the truth; every other column is derived from them and can be
rebuilt by `listkeeper reindex`. Migrations in migrations/ must produce
exactly this schema (a test compares them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    case,
)

SHA256_HEX_LENGTH = 64
LIST_NAME_LENGTH = 200
FOUND_BY_LENGTH = 16
USER_NAME_LENGTH = 200
AUDIT_ACTION_LENGTH = 32
SITE_SECRET_NAME_LENGTH = 32
AUTHOR_TOKEN_LENGTH = 16
PATCH_STATE_LENGTH = 16
TRAILER_NAME_LENGTH = 32
SERIES_KEY_LENGTH = 64
DICTIONARY_KIND_LENGTH = 16

metadata = MetaData()

lists = Table(
    "lists",
    metadata,
    Column("id", Integer, primary_key=True),
    # Short name used in URLs and on the command line, e.g. "xen-devel".
    Column("name", String(LIST_NAME_LENGTH), nullable=False, unique=True),
    # The List-Id that maps to this list ("xen-devel.lists.xensource.com"), if known.
    Column("list_id", Text),
    Column("private", Boolean, nullable=False, default=False),
    # Bumped whenever a message joins or leaves the list, and when that
    # happened: what a page's validators are made of, read from one row
    # instead of counting the list's memberships on every request.
    Column("revision", Integer, nullable=False, default=0, server_default="0"),
    Column("changed_at", DateTime(timezone=True)),
)

messages = Table(
    "messages",
    metadata,
    # The order matters on SQLite: a row's columns are stored in order and what
    # does not fit in its first page spills into a chain that must be walked to
    # reach any later column. The compressed blobs come last, so reading dates,
    # senders and subjects never reads the mail (migration 0008).
    Column("id", Integer, primary_key=True),
    # Normalised Message-ID (no <>), or a synthetic one from the sha256.
    Column("message_id", Text, nullable=False),
    # sha256 of the raw bytes: the identity of one copy of a message.
    Column("sha256", String(SHA256_HEX_LENGTH), nullable=False, unique=True),
    # True for the first copy of its Message-ID; later copies with other bytes
    # are kept but only reachable explicitly.
    Column("canonical", Boolean, nullable=False),
    Column("date", DateTime(timezone=True), nullable=False),
    Column("date_source", String(FOUND_BY_LENGTH), nullable=False),
    Column("from_name", Text, nullable=False),
    Column("from_addr", Text, nullable=False),
    Column("subject", Text, nullable=False),
    # When listkeeper first stored it: the date of last resort, kept stable.
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("raw_size", Integer, nullable=False),
    Column("in_reply_to", Text),
    Column("envelope", Text),  # the mbox From_ line, when the source had one
    Column("refs", Text, nullable=False),  # References ids, space separated
    # zstd-compressed JSON of what pages need: blocks, attachments, attributions,
    # recipients, sanitised HTML. Derived at parse time so a page view only reads.
    Column("anatomy", LargeBinary, nullable=False),
    # The message exactly as received, zstd-compressed.
    Column("raw", LargeBinary, nullable=False),
    Index("ix_messages_message_id", "message_id"),
    Index("ix_messages_date", "date"),
    Index("ix_messages_from_addr", "from_addr", "date"),  # an author's messages, newest first
)

# zstd dictionaries trained on this database's own mail. A compressed frame
# names its dictionary by id, so rows written before one existed (or with an
# older one) still decompress; a dictionary is never changed or deleted.
zstd_dictionaries = Table(
    "zstd_dictionaries",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),  # zstd's dictionary id
    Column("kind", String(DICTIONARY_KIND_LENGTH), nullable=False),  # "raw" or "anatomy"
    Column("data", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

list_messages = Table(
    "list_messages",
    metadata,
    Column("list_id", Integer, ForeignKey("lists.id"), primary_key=True),
    Column("message_pk", Integer, ForeignKey("messages.id"), primary_key=True),
    # The message's date when it is the canonical copy, else NULL: the list's
    # timeline, so its newest threads, its months and its first and last
    # dates come from one index without reading messages (kept by
    # writer.ArchiveWriter and reindex; taken from messages.date).
    Column("date", DateTime(timezone=True)),
    Index("ix_list_messages_message_pk", "message_pk"),
    Index("ix_list_messages_timeline", "list_id", "date"),
)


# Each sender's address under the handle author pages put in URLs
# (store.senders): a page finds the address without reading a whole list.
senders = Table(
    "senders",
    metadata,
    Column("token", String(AUTHOR_TOKEN_LENGTH), primary_key=True),
    Column("addr", Text, primary_key=True),
)


def timeline_date() -> ColumnElement[Any]:
    """What ``list_messages.date`` holds for a membership of a ``messages`` row."""
    return case((messages.c.canonical, messages.c.date))


threads = Table(
    "threads",
    metadata,
    # Thread ids are only handles: pages and URLs name threads by Message-ID.
    Column("id", Integer, primary_key=True),
)

thread_nodes = Table(
    "thread_nodes",
    metadata,
    # One row per distinct Message-ID seen, archived or only referenced.
    Column("message_id", Text, primary_key=True),
    Column("thread_id", Integer, ForeignKey("threads.id"), nullable=False),
    # Message-ID of the parent (possibly a placeholder), or NULL for a root.
    Column("parent", Text),
    # How the parent link was found: references, in-reply-to, quote,
    # attribution, subject.
    Column("parent_found_by", String(FOUND_BY_LENGTH)),
    # False for a placeholder: referenced by some message, not archived (yet).
    Column("archived", Boolean, nullable=False),
    Index("ix_thread_nodes_thread_id", "thread_id"),
    Index("ix_thread_nodes_parent", "parent"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("list_name", String(LIST_NAME_LENGTH)),
    Column("origin", Text, nullable=False),  # "path:offset" or "stdin"
    Column("reason", Text, nullable=False),
    Column("sha256", String(SHA256_HEX_LENGTH), nullable=False, unique=True),
    Column("raw", LargeBinary, nullable=False),  # zstd-compressed
    Column("received_at", DateTime(timezone=True), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(USER_NAME_LENGTH), nullable=False, unique=True),
    # A password hash from a maintained library (argon2); never the password.
    Column("password_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

grants = Table(
    "grants",
    metadata,
    # A user may read a private list only through a grant.
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("list_id", Integer, ForeignKey("lists.id"), primary_key=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    # Only the sha256 of a bearer token is kept: a leaked database leaks no token.
    Column("token_sha256", String(SHA256_HEX_LENGTH), nullable=False, unique=True),
    Column("label", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

tombstones = Table(
    "tombstones",
    metadata,
    # A removed message: its pages answer 410 with the reason and a re-import
    # of any copy with this Message-ID is refused.
    Column("message_id", Text, primary_key=True),
    Column("reason", Text, nullable=False),
    Column("removed_at", DateTime(timezone=True), nullable=False),
    # Ids of the lists it was in, space separated: only their readers learn
    # that it was removed and why; to everyone else it is unknown (404).
    Column("list_ids", Text, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("action", String(AUDIT_ACTION_LENGTH), nullable=False),
    Column("target", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", Text, nullable=False),
)

import_marks = Table(
    "import_marks",
    metadata,
    # How far an incremental source was imported: for a public-inbox (source:
    # its resolved path), each epoch's newest commit once all it held was stored.
    Column("source", Text, primary_key=True),
    Column("part", Text, primary_key=True),
    Column("mark", Text, nullable=False),
)

site_secrets = Table(
    "site_secrets",
    metadata,
    # Keys the web servers share (the session cookie's signing key): kept here
    # so every forked worker and every restart signs and checks alike.
    Column("name", String(SITE_SECRET_NAME_LENGTH), primary_key=True),
    Column("value", Text, nullable=False),
)

patches = Table(
    "patches",
    metadata,
    # One row per message that posts a patch or a cover letter; derived from
    # the messages (listkeeper/patches/), rebuilt after every import.
    Column("message_pk", Integer, ForeignKey("messages.id"), primary_key=True),
    Column("list_id", Integer, ForeignKey("lists.id"), nullable=False),
    # The same for every version of one series: sha256 of list, author, title.
    Column("series_key", String(SERIES_KEY_LENGTH), nullable=False),
    Column("version", Integer, nullable=False),
    Column("position", Integer, nullable=False),  # 0 for a cover letter
    Column("total", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("state", String(PATCH_STATE_LENGTH), nullable=False),  # open, applied, superseded
    Column("state_by", Text),  # Message-ID of the reply that says it was applied
    Column("state_ref", Text),  # the changeset or commit id that reply names
    Index("ix_patches_series_key", "series_key"),
    Index("ix_patches_list_state", "list_id", "state"),
)

patch_trailers = Table(
    "patch_trailers",
    metadata,
    # "Acked-by: X" and the like, given in a reply, for the patch replied to.
    Column("id", Integer, primary_key=True),
    Column("message_pk", Integer, ForeignKey("messages.id"), nullable=False),
    Column("name", String(TRAILER_NAME_LENGTH), nullable=False),
    Column("value", Text, nullable=False),
    Column("given_in", Text, nullable=False),  # Message-ID of the reply
    Index("ix_patch_trailers_message_pk", "message_pk"),
)

list_repos = Table(
    "list_repos",
    metadata,
    # Where a list's changesets and commits can be seen: "https://…/{id}".
    Column("list_id", Integer, ForeignKey("lists.id"), primary_key=True),
    Column("commit_url", Text, nullable=False),
)
