"""Response models of the JSON API: they document ``listkeeper.shapes`` in
the OpenAPI document and check that what is served matches it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class ErrorDetail(_Model):
    status: int = Field(description="The HTTP status, again")
    reason: str = Field(description="What went wrong, for a person")


class ErrorOut(_Model):
    """Every API error, whatever its status."""

    error: ErrorDetail


class Address(_Model):
    name: str
    addr: str = Field(description="Obfuscated: the domain is cut to its first letter and top level")


class ListInfo(_Model):
    name: str
    messages: int
    first: str | None = Field(description="Date of the oldest message, ISO 8601 UTC")
    last: str | None = Field(description="Date of the newest message, ISO 8601 UTC")


class ListsOut(_Model):
    lists: list[ListInfo]


class ThreadInfo(_Model):
    root: str = Field(description="Message-ID of the thread's first message in this list")
    subject: str
    from_name: str
    started: str
    last: str
    messages: int
    participants: int


class ThreadPageOut(_Model):
    list: str
    page: int
    per_page: int
    has_more: bool
    threads: list[ThreadInfo]


class Summary(_Model):
    message_id: str
    parent: str | None
    parent_found_by: str | None = Field(
        description="references, in-reply-to, quote, attribution or subject"
    )
    from_: Address = Field(alias="from")
    date: str
    subject: str


class ThreadMessage(Summary):
    depth: int


class ThreadOut(_Model):
    """The shape of ``listkeeper thread --json``."""

    root: str
    subject: str
    messages: list[ThreadMessage]


class Block(_Model):
    kind: str = Field(description="text, quote, attribution, signature, footer, patch or log")
    depth: int
    text: str


class Attachment(_Model):
    filename: str | None
    content_type: str
    size: int
    is_patch: bool


class AttributionOut(_Model):
    line: str
    name: str | None
    addr: str | None
    date: str | None
    style: str


class MessageOut(Summary):
    """The shape of ``listkeeper show --json``."""

    thread_root: str | None
    lists: list[str]
    to: list[Address]
    cc: list[Address]
    top_posted: bool
    blocks: list[Block]
    attributions: list[AttributionOut]
    attachments: list[Attachment]


class SearchHitOut(_Model):
    message_id: str
    subject: str
    from_: Address = Field(alias="from")
    date: str
    list: str | None
    lists: list[str]
    snippet: str
    thread_hits: int | None = None  # with one result per thread: its matches


class SearchOut(_Model):
    """The shape of ``listkeeper search --json``."""

    total: int
    total_is_capped: bool
    results: list[SearchHitOut]
