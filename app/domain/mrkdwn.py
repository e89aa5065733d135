"""Slack's text escaping (SPEC 6): user text arrives with ``&``, ``<`` and ``>`` escaped and
mentions or broadcasts as ``<…>`` sequences. Stored plain; escaped again in every mrkdwn Beacon
writes, so nothing a user typed becomes a live mention, link or broadcast."""

from __future__ import annotations


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
