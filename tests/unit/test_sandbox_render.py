"""The sandbox page shows Beacon's mrkdwn as a Slack client would, and safely."""

from __future__ import annotations

from app.sandbox.render import mrkdwn, text_object


def names(ref: str) -> str:
    return {"U0DANA": "Dana", "C0INC": "inc-1-checkout"}.get(ref, ref)


def test_formatting_mentions_and_links() -> None:
    out = str(
        mrkdwn("*INC-1* _now_ `code` <@U0DANA> in <#C0INC> <https://x.example/r|runbook>", names)
    )
    assert "<b>INC-1</b>" in out and "<i>now</i>" in out and "<code>code</code>" in out
    assert "@Dana" in out and "#inc-1-checkout" in out
    assert '<a href="https://x.example/r" target="_blank" rel="noopener">runbook</a>' in out


def test_text_from_messages_cannot_inject_markup() -> None:
    out = str(mrkdwn("<script>alert(1)</script> <javascript:alert(1)|click>", names))
    assert "<script" not in out
    assert "href" not in out  # only http(s) and mailto links become links
    plain = str(text_object({"type": "plain_text", "text": "<b>x</b>"}, names))
    assert plain == "&lt;b&gt;x&lt;/b&gt;"


def test_emoji_shortcodes() -> None:
    assert str(text_object({"type": "plain_text", "text": ":pager: INC-1"}, names)) == "📟 INC-1"


def test_slack_escaped_text_reads_as_typed() -> None:
    """What Beacon escaped (``&amp;`` ``&lt;``) shows as ``&`` ``<``, once, never as markup."""
    out = str(mrkdwn("*Search &amp; export &lt;b&gt;slow&lt;/b&gt;* @channel", names))
    assert out == "<b>Search &amp; export &lt;b&gt;slow&lt;/b&gt;</b> @channel"
