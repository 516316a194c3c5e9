"""Per-list repository links: a URL template turns the changeset or commit id
a maintainer's reply names into a link ("https://…/rev/{id}")."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from sqlalchemy import Connection, delete, insert, select

from listkeeper.store.schema import list_repos, lists

PLACEHOLDER = "{id}"


class RepoError(ValueError):
    """A template or list that cannot be used; str() says why."""


def check_template(template: str) -> str:
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RepoError(f"{template!r} is not an http(s) URL")
    if template.count(PLACEHOLDER) != 1:
        raise RepoError(f"{template!r} must hold {PLACEHOLDER} exactly once")
    return template


def set_commit_url(conn: Connection, list_name: str, template: str) -> None:
    """Store (or replace) the list's template; raises RepoError."""
    check_template(template)
    list_pk = conn.execute(select(lists.c.id).where(lists.c.name == list_name)).scalar()
    if list_pk is None:
        raise RepoError(f"no list named {list_name!r}")
    conn.execute(delete(list_repos).where(list_repos.c.list_id == list_pk))
    conn.execute(insert(list_repos).values(list_id=list_pk, commit_url=template))


def commit_link(template: str | None, ref: str | None) -> str | None:
    """The link for a changeset ("12404:bb76a76985fe") or commit id, if any."""
    if not template or not ref:
        return None
    return template.replace(PLACEHOLDER, quote(ref, safe=":"))
