"""The spec checker flags each kind of request Telegram refuses, and nothing PTB sends validly."""

from __future__ import annotations

import json

import pytest
from aiohttp.test_utils import TestServer
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.spec import SpecChecker


@pytest.fixture(scope="module")
def checker() -> SpecChecker:
    return SpecChecker()


def problems(checker: SpecChecker, method: str, **raw: str) -> list[str]:
    return [str(v) for v in checker.decode(method, raw, form=True).violations]


def test_unknown_method(checker):
    assert problems(checker, "sendMesage") == ["sendMesage: unknown method"]


def test_unknown_field(checker):
    assert problems(checker, "sendMessage", chat_id="1", text="hi", txt="x") == [
        "sendMessage.txt: unknown field"
    ]


def test_missing_required(checker):
    assert problems(checker, "sendMessage", chat_id="1") == [
        "sendMessage.text: required field missing"
    ]


def test_wrong_type(checker):
    assert problems(checker, "sendMessage", chat_id="1", text="x", disable_notification="yes") == [
        "sendMessage.disable_notification: can't parse 'yes' as Boolean"
    ]
    kb = json.dumps({"inline_keyboard": [[{"text": 5, "callback_data": "a"}]]})
    assert problems(checker, "sendMessage", chat_id="1", text="x", reply_markup=kb) == [
        "sendMessage.reply_markup.inline_keyboard[0][0].text: expected String, got Integer"
    ]


def test_callback_data_bytes(checker):
    kb = json.dumps({"inline_keyboard": [[{"text": "a", "callback_data": "é" * 40}]]})
    assert problems(checker, "sendMessage", chat_id="1", text="x", reply_markup=kb) == [
        "sendMessage.reply_markup.inline_keyboard[0][0].callback_data: 80 bytes, outside 1-64"
    ]


def test_text_length_counts_after_html_parsing_in_utf16(checker):
    assert problems(checker, "sendMessage", chat_id="1", text="<b>" + "x" * 4096 + "</b>",
                    parse_mode="HTML") == []  # fmt: skip
    assert problems(checker, "sendMessage", chat_id="1", text="😀" * 2049) == [
        "sendMessage.text: 4098 characters, outside 1-4096"
    ]


def test_answer_callback_text_limit(checker):
    assert problems(checker, "answerCallbackQuery", callback_query_id="1", text="y" * 201) == [
        "answerCallbackQuery.text: 201 characters, outside 0-200"
    ]


def test_parse_mode_enum(checker):
    assert problems(checker, "sendMessage", chat_id="1", text="x", parse_mode="html") == [
        "sendMessage.parse_mode: 'html' is not one of HTML, MarkdownV2, Markdown"
    ]


@pytest.mark.parametrize(
    ("html", "fragment"),
    [
        ("<b>x</i>", "Unmatched end tag"),
        ("<b>x", "Can't find end tag"),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("a < b", "start tag"),
        ("a & b", 'Unescaped "&"'),
        ("a > b", 'Unescaped ">"'),
        ("&nbsp;x", "Unsupported HTML entity"),
        ('<span class="x">s</span>', "tg-spoiler"),
        ("<code><b>x</b></code>", "can't be nested"),
        ("<b> </b>", "empty after entity parsing"),
    ],
)
def test_html_telegram_cannot_parse(checker, html, fragment):
    found = problems(checker, "sendMessage", chat_id="1", text=html, parse_mode="HTML")
    assert len(found) == 1 and fragment in found[0], found


def test_supported_html_is_accepted(checker):
    html = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike>"
        '<del>d</del><span class="tg-spoiler">p</span><tg-spoiler>q</tg-spoiler>'
        '<a href="https://gov.wales/?a=1&amp;b=2">l</a><tg-emoji emoji-id="5368324170671202286">👍'
        '</tg-emoji><code>c</code><pre><code class="language-python">x = 1</code></pre>'
        "<blockquote>q</blockquote><blockquote expandable>e</blockquote> &lt;&gt;&amp;&quot;&#169;"
    )
    assert problems(checker, "sendMessage", chat_id="1", text=html, parse_mode="HTML") == []


def test_unions_and_conditional_requirements(checker):
    ok_scope = json.dumps({"type": "chat", "chat_id": 5})
    cmds = json.dumps([{"command": "start", "description": "Start"}])
    assert problems(checker, "setMyCommands", commands=cmds, scope=ok_scope) == []
    bad = problems(checker, "setMyCommands", commands=cmds, scope=json.dumps({"type": "nope"}))
    assert bad and "matches no BotCommandScope subtype" in bad[0]
    assert "editMessageText.message_id: required field missing" in problems(
        checker, "editMessageText", text="x"
    )
    assert problems(checker, "editMessageText", chat_id="1", message_id="2", text="x") == []


def test_secret_token_characters(checker):
    assert problems(checker, "setWebhook", url="https://a.example", secret_token="s p") == [
        "setWebhook.secret_token: only A-Z, a-z, 0-9, _ and - are allowed"
    ]


async def test_no_false_positives_for_real_ptb_traffic():
    emu = BotApiEmulator()
    async with TestServer(emu.make_app(), host="127.0.0.1") as server:
        emu.root = str(server.make_url("")).rstrip("/")
        chat = emu.chat(42, "Ann")
        await chat.send("hello", wait=False)
        async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url) as bot:
            await bot.get_me()
            await bot.delete_webhook(drop_pending_updates=False)
            updates = await bot.get_updates(timeout=0)
            assert updates[0].message.text == "hello"
            kb = InlineKeyboardMarkup([[InlineKeyboardButton("Ie", callback_data="q1:yes")]])
            sent = await bot.send_message(42, "<b>Croeso</b> &amp; hi", parse_mode="HTML",
                                          reply_markup=kb, disable_notification=True)  # fmt: skip
            await bot.edit_message_text("Edited", chat_id=42, message_id=sent.message_id)
            await bot.set_my_commands([("start", "Start")], language_code="cy")
            await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="s3cret-_X")
            await bot.delete_webhook()
            doc = await bot.send_document(42, b'{"a": 1}', filename="export.json", caption="Data")
            assert doc.document.file_name == "export.json"
            await bot.send_chat_action(42, "typing")
            await bot.delete_message(42, sent.message_id)
    assert emu.violations == []
    assert chat.documents[0].json() == {"a": 1}
