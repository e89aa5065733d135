"""Block Kit and mrkdwn as HTML for the sandbox page (Jinja2 templates beside this module).

This renders what Beacon *sent*, the way a Slack client would show it; it builds no Block Kit
of its own, so the rule "Block Kit only in app/slack/blocks" still holds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

TEMPLATES = Path(__file__).with_name("templates")

#: The shortcodes Beacon uses and the common ones people type, as a Slack client draws them;
#: others stay as typed, as Slack shows an unknown shortcode.
EMOJI = {
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "rotating_light": "🚨",
    "warning": "⚠️",
    "pager": "📟",
    "x": "❌",
    "no_entry": "⛔",
    "no_entry_sign": "🚫",
    "lock": "🔒",
    "unlock": "🔓",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "bust_in_silhouette": "👤",
    "busts_in_silhouette": "👥",
    "arrows_counterclockwise": "🔄",
    "repeat": "🔁",
    "alarm_clock": "⏰",
    "stopwatch": "⏱️",
    "clock1": "🕐",
    "calendar": "📆",
    "large_green_circle": "🟢",
    "large_yellow_circle": "🟡",
    "large_orange_circle": "🟠",
    "red_circle": "🔴",
    "white_circle": "⚪",
    "memo": "📝",
    "mega": "📣",
    "loudspeaker": "📢",
    "bell": "🔔",
    "no_bell": "🔕",
    "sunny": "☀️",
    "tada": "🎉",
    "fire": "🔥",
    "eyes": "👀",
    "pushpin": "📌",
    "round_pushpin": "📍",
    "link": "🔗",
    "page_facing_up": "📄",
    "clipboard": "📋",
    "chart_with_upwards_trend": "📈",
    "chart_with_downwards_trend": "📉",
    "bar_chart": "📊",
    "mag": "🔍",
    "speech_balloon": "💬",
    "information_source": "ℹ️",
    "question": "❓",
    "exclamation": "❗",
    "bangbang": "‼️",
    "sos": "🆘",
    "construction": "🚧",
    "rocket": "🚀",
    "wrench": "🔧",
    "hammer_and_wrench": "🛠️",
    "shield": "🛡️",
    "thumbsup": "👍",
    "+1": "👍",
    "thumbsdown": "👎",
    "-1": "👎",
    "ok_hand": "👌",
    "pray": "🙏",
    "wave": "👋",
    "point_right": "👉",
    "raised_hands": "🙌",
    "heart": "❤️",
    "smile": "😄",
    "slightly_smiling_face": "🙂",
    "thinking_face": "🤔",
    "sweat_smile": "😅",
    "new": "🆕",
    "ok": "🆗",
    "sparkles": "✨",
    "zap": "⚡",
    "boom": "💥",
    "ambulance": "🚑",
    "bug": "🐛",
    "card_index_dividers": "🗂️",
    "package": "📦",
    "email": "📧",
    "phone": "📞",
    "telephone_receiver": "📞",
}
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
_SLACK_ENTITY = re.compile(r"&amp;(amp|lt|gt);")
_LINK = re.compile(r"&lt;([^&|]+?)(?:\|([^&]*?))?&gt;")
_INLINE = [
    (re.compile(r"```(.+?)```", re.S), r"<pre>\1</pre>"),
    (re.compile(r"`([^`\n]+)`"), r"<code>\1</code>"),
    (re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])"), r"<b>\1</b>"),
    (re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])"), r"<i>\1</i>"),
    (re.compile(r"(?<![\w~])~([^~\n]+)~(?![\w~])"), r"<s>\1</s>"),
]


Names = Callable[[str], str]
"""A user or channel id to the name a Slack client shows for it."""


def emoji(text: str) -> str:
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def mrkdwn(text: str, names: Names) -> Markup:
    """Slack mrkdwn to HTML: links, user and channel mentions, bold, italics, code, emoji."""
    escaped = html.escape(text, quote=False)

    def link(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return f'<span class="mention">@{html.escape(names(target[1:]))}</span>'
        if target.startswith("#"):
            channel = label or names(target[1:])
            return f'<span class="mention">#{html.escape(channel)}</span>'
        if target.startswith("!"):
            return f'<span class="mention">@{label or target[1:]}</span>'
        if not target.startswith(("http://", "https://", "mailto:")):
            return label or target  # never a javascript: link, whatever a message says
        href = html.escape(target, quote=True)
        return f'<a href="{href}" target="_blank" rel="noopener">{label or target}</a>'

    out = _LINK.sub(link, escaped)
    out = _SLACK_ENTITY.sub(r"&\1;", out)  # Slack's &amp; &lt; &gt; read as & < > (in HTML)
    out = emoji(out)
    for pattern, replacement in _INLINE:
        out = pattern.sub(replacement, out)
    return Markup(out.replace("\n", "<br>"))


def text_object(obj: dict[str, Any] | None, names: Names) -> Markup:
    """A Block Kit text object (plain_text or mrkdwn) as HTML."""
    if not obj:
        return Markup("")
    if obj.get("type") == "mrkdwn":
        return mrkdwn(str(obj.get("text", "")), names)
    return Markup(emoji(html.escape(str(obj.get("text", "")))).replace("\n", "<br>"))


def clock(ts: str) -> str:
    """A message ts as the time a Slack client shows next to it (UTC here)."""
    try:
        return datetime.fromtimestamp(float(ts), UTC).strftime("%H:%M:%S")
    except ValueError:
        return ""


def environment(names: Names) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["mrkdwn"] = lambda text: mrkdwn(str(text or ""), names)
    env.filters["text"] = lambda obj: text_object(obj, names)
    env.filters["clock"] = clock
    env.globals["name_of"] = names
    return env
