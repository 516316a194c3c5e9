"""Patches and series on developer lists: which mails post patches, which
versions belong together, what reviewers said, and whether it was applied."""
