"""The JSON shapes shared by the CLI (--json) and the web API.

One function per shape so that `listkeeper show --json` and `/api/m/...`
can never drift apart.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from listkeeper.search.run import SearchResults
from listkeeper.store.reader import MessageSummary, MessageView, ThreadView


def iso_utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def summary_json(summary: MessageSummary) -> dict[str, Any]:
    return {
        "message_id": summary.message_id,
        "parent": summary.parent,
        "parent_found_by": summary.parent_found_by,
        "from": {"name": summary.from_name, "addr": summary.from_addr},
        "date": iso_utc(summary.date),
        "subject": summary.subject,
    }


def thread_json(view: ThreadView) -> dict[str, Any]:
    messages = []
    for entry in view.messages:
        assert entry.summary is not None
        item = summary_json(entry.summary)
        item["depth"] = entry.depth
        messages.append(item)
    return {"root": view.root, "subject": view.subject, "messages": messages}


def message_json(view: MessageView) -> dict[str, Any]:
    anatomy = view.anatomy
    item = summary_json(view.summary)
    item.update(
        {
            "thread_root": view.thread_root,
            "lists": view.summary.lists,
            "to": anatomy["to"],
            "cc": anatomy["cc"],
            "top_posted": anatomy["top_posted"],
            "blocks": anatomy["blocks"],
            "attributions": anatomy["attributions"],
            "attachments": [
                {k: a[k] for k in ("filename", "content_type", "size", "is_patch")}
                for a in anatomy["attachments"]
            ],
        }
    )
    return item


def search_json(results: SearchResults) -> dict[str, Any]:
    return {
        "total": results.total,
        "total_is_capped": results.total_is_capped,
        "results": [
            {
                "message_id": hit.message_id,
                "subject": hit.subject,
                "from": {"name": hit.from_name, "addr": hit.from_addr},
                "date": iso_utc(hit.date),
                "list": hit.lists[0] if hit.lists else None,
                "lists": hit.lists,
                "snippet": hit.snippet,
                # With one result per thread: how many of the thread's messages matched.
                "thread_hits": hit.thread_hits if results.by_thread else None,
            }
            for hit in results.hits
        ],
    }
