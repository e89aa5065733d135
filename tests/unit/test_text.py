"""User text between Slack's escaped form and plain words (app.domain.text), and the composer
that escapes typed words as Slack does (app.sandbox.composer)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.commands import parse_command
from app.domain.text import Ref, defuse, escape, parse_ref, plain, unescape
from app.sandbox.composer import slash_text
from app.sandbox.slack_state import Workspace
from app.slack.blocks.common import error_text, mrkdwn

TYPED = st.text(alphabet=st.sampled_from(list("ab &<>;!@#|^_-")) | st.characters(), max_size=60)


@given(TYPED)
def test_plain_undoes_slack_escaping(typed: str) -> None:
    assert unescape(escape(typed)) == typed


@given(TYPED)
def test_escaped_text_has_no_control_sequence(typed: str) -> None:
    safe = escape(typed)
    assert "<" not in safe and ">" not in safe
    assert escape(unescape(safe)) == safe


@given(TYPED)
def test_no_special_mention_survives_in_rendered_mrkdwn(typed: str) -> None:
    workspace = Workspace()
    workspace.add_usergroup("payments", ["U0DANA"])
    raw = slash_text(typed, workspace)
    for text in (escape(plain(raw)), defuse(raw), str(mrkdwn(raw).text), error_text(raw, None)):
        assert "<!" not in text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "<!channel> Search &amp; export &lt;b&gt;slow&lt;/b&gt;",
            "@channel Search & export <b>slow</b>",
        ),
        ("ask <@U0DANA|dana> in <#C0INC|incidents>", "ask @dana in #incidents"),
        ("<!subteam^S0PAY|@payments> and <!here>", "@payments and @here"),
        ("see <https://status.example.com|status>", "see status"),
        ("&amp;lt; stays &lt;", "&lt; stays <"),
        ("a typed &lt;!channel&gt;", "a typed <!channel>"),
    ],
)
def test_plain(raw: str, expected: str) -> None:
    assert plain(raw) == expected


def test_parse_ref() -> None:
    assert parse_ref("<@U0DANA|dana>") == Ref("user", "U0DANA", "dana")
    assert parse_ref("<@U0DANA>") == Ref("user", "U0DANA", "")
    assert parse_ref("<!subteam^S0PAY|@payments>") == Ref("usergroup", "S0PAY", "@payments")
    assert parse_ref("<!here>") == Ref("broadcast", "here", "")
    assert parse_ref("@dana") is None


def test_defuse_turns_broadcasts_into_words() -> None:
    assert (
        defuse("<!channel> and <!subteam^S1|@payments>, <@U1>") == "@channel and @payments, <@U1>"
    )


def test_the_composer_escapes_as_slack_does() -> None:
    workspace = Workspace(users={"dana@example.com": "U0DANA"}, channels=["incidents"])
    group = workspace.add_usergroup("payments", ["U0DANA"])
    typed = "page @dana @U0DANA @payments @channel in #incidents & <b> mail dana@example.com"
    assert slash_text(typed, workspace) == (
        f"page <@U0DANA|dana> <@U0DANA|dana> <!subteam^{group.id}|@payments> <!channel>"
        " in <#C0INCIDENTS|incidents> &amp; &lt;b&gt; mail dana@example.com"
    )
    assert slash_text("@nobody-known #nowhere", workspace) == "@nobody-known #nowhere"


def test_commands_read_plain_words_and_keep_the_mentions() -> None:
    parsed = parse_command("assign commander <@U0NEWIC|nic> &amp; co")
    assert parsed.args == "commander @nic & co"
    assert parsed.raw == "commander <@U0NEWIC|nic> &amp; co"
