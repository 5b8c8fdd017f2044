"""The Korean translation: complete, in step with the sources, compiled, and loadable.

When one of these fails: run `python resources/translations/update.py`, translate what it
lists as unfinished in resources/translations/launchdesk_ko.ts, run it again, commit both
launchdesk_ko.ts and launchdesk_ko.qm.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTranslator

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "resources" / "translations"
TS = TRANSLATIONS / "launchdesk_ko.ts"
QM = TRANSLATIONS / "launchdesk_ko.qm"
UPDATE = "python resources/translations/update.py"

PLACEHOLDER = re.compile(r"%L?(?:\d{1,2}|n)")
TAG = re.compile(r"</?[A-Za-z][^<>]*>")
ACCELERATOR = re.compile(r"&(?!&)[^\s&]")


def _load_update() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "launchdesk_translations_update", TRANSLATIONS / "update.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


update = _load_update()


def _ts_messages(path: Path) -> list[dict]:
    out = []
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            numerus = message.get("numerus") == "yes"
            if translation is None:
                texts: list[str] = []
            elif numerus:
                texts = [f.text or "" for f in translation.iter("numerusform")]
            else:
                texts = [translation.text or ""]
            location = message.find("location")
            out.append(
                {
                    "context": name,
                    "source": message.findtext("source") or "",
                    "comment": message.findtext("comment") or "",
                    "numerus": numerus,
                    "type": None if translation is None else translation.get("type"),
                    "has_translation": translation is not None,
                    "texts": texts,
                    "where": (
                        f"{location.get('filename')}:{location.get('line')}"
                        if location is not None
                        else "?"
                    ),
                }
            )
    return out


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def _describe(m: dict) -> str:
    return f"[{m['context']}] {m['source']!r} ({m['where']})"


# --- (a) every message translated, placeholders and markup kept ------------------------------


def test_every_message_is_translated_with_its_placeholders() -> None:
    assert TS.exists(), f"{TS} is missing: run `{UPDATE}`"
    problems: list[str] = []
    messages = _ts_messages(TS)
    assert messages, f"{TS} has no messages"
    for m in messages:
        if m["type"] in ("obsolete", "vanished"):
            problems.append(f"obsolete entry left in the file: {_describe(m)}")
            continue
        if not m["has_translation"] or m["type"] == "unfinished":
            problems.append(f"unfinished: {_describe(m)}")
            continue
        if not m["texts"] or any(not t.strip() for t in m["texts"]):
            problems.append(f"empty translation: {_describe(m)}")
            continue
        want = set(PLACEHOLDER.findall(m["source"]))
        if m["numerus"]:
            want.add("%n")  # a plural message is only plural through %n
        want_tags = sorted(TAG.findall(m["source"]))
        want_accelerator = bool(ACCELERATOR.search(m["source"]))
        for text in m["texts"]:
            got = set(PLACEHOLDER.findall(text))
            if got != want:
                problems.append(
                    f"placeholders {sorted(got)} instead of {sorted(want)}: {_describe(m)} -> {text!r}"
                )
            if sorted(TAG.findall(text)) != want_tags:
                problems.append(f"markup changed: {_describe(m)} -> {text!r}")
            if bool(ACCELERATOR.search(text)) != want_accelerator:
                problems.append(
                    f"keyboard accelerator (&) lost or added: {_describe(m)} -> {text!r}"
                )
    assert not problems, f"{len(problems)} problem(s) in {_rel(TS)}:\n  " + "\n  ".join(problems)


# --- (b) nothing in the sources is missing from the .ts ---------------------------------------


def test_every_source_string_is_in_the_ts(tmp_path: Path) -> None:
    fresh = tmp_path / "launchdesk_ko.ts"
    update.lupdate(fresh)  # same extraction as update.py, into an empty file
    committed = {(m["context"], m["source"], m["comment"]) for m in _ts_messages(TS)}
    extracted = _ts_messages(fresh)
    assert extracted, "lupdate found no strings in views/ and console/"
    missing = [m for m in extracted if (m["context"], m["source"], m["comment"]) not in committed]
    assert not missing, (
        f"{len(missing)} string(s) in the sources are not in {_rel(TS)}; run "
        f'`{UPDATE}`, translate them (Korean, remove type="unfinished"), run it again and '
        "commit the .ts and .qm:\n  " + "\n  ".join(_describe(m) for m in missing)
    )


def test_translatable_texts_are_not_f_strings() -> None:
    """self.tr(f"... {x}") extracts the braces literally and never matches at run time."""
    found = update.scan(update.sources())
    bad = [b for b in found.bad_calls if "f-string" in b.problem]
    assert not bad, 'tr() text must be a literal; use %1 and .replace("%1", value):\n  ' + (
        "\n  ".join(f"{_rel(b.path)}:{b.line}: {b.problem}" for b in bad)
    )


# --- (c) the committed .qm is the compiled committed .ts --------------------------------------


def test_qm_is_compiled_from_the_current_ts(tmp_path: Path) -> None:
    assert QM.exists(), f"{QM} is missing: run `{UPDATE}`"
    fresh = tmp_path / "launchdesk_ko.qm"
    update.lrelease(TS, fresh)
    assert fresh.read_bytes() == QM.read_bytes(), (
        f"{_rel(QM)} is not the compiled {TS.name} (the .ts changed after the .qm "
        f"was built): run `{UPDATE}` and commit the .qm"
    )


# --- (d) the .qm loads and translates ---------------------------------------------------------


@pytest.fixture
def korean(qapp):
    translator = QTranslator()
    assert translator.load(str(QM)), f"QTranslator cannot load {QM}"
    assert not translator.isEmpty()
    qapp.installTranslator(translator)
    yield translator
    qapp.removeTranslator(translator)


@pytest.mark.parametrize(
    ("context", "source", "korean_text"),
    [
        ("AgentDesk", "Take next callback", "다음 콜백 받기"),
        ("AgentDesk", "Reservation no.", "예약번호"),
        ("Kinds", "Order no.", "주문번호"),
        ("Kinds", "Tracking no.", "운송장번호"),
        ("Kinds", "Mobile", "휴대폰번호"),
        ("CustomerView", "Stuck order", "지연 주문"),
        ("CustomerView", "Duplicate draft", "중복 장바구니"),
        ("CustomerView", "Activation", "개통"),
        ("NoticesBar", "Acknowledge", "확인했습니다"),
        ("Timeline", "When", "일시"),
        ("Callbacks", "Agent", "상담원"),
    ],
)
def test_qm_translates(korean, context: str, source: str, korean_text: str) -> None:
    assert QCoreApplication.translate(context, source) == korean_text


def test_qm_placeholders_and_plurals(korean) -> None:
    text = QCoreApplication.translate("CustomerView", "Order no. %1").replace("%1", "12345678903")
    assert text == "주문번호 12345678903"
    assert QCoreApplication.translate("NoticesBar", "%n notice(s) to read", "", 3) == (
        "읽지 않은 공지 3건"
    )


def test_install_language_switches_the_widgets(qapp, qtbot) -> None:
    """The real path: console.resources loads the shipped .qm; views pick it up via tr()."""
    from console import resources
    from views.customer import CustomerView

    try:
        assert resources.install_language(qapp, "ko")
        view = CustomerView(None, None)  # type: ignore[arg-type]  # building needs no backend
        qtbot.addWidget(view)
        assert view.name.text() == "선택된 고객 없음"
        assert view.complete_button.text() == "콜백 완료"
        header = view.timeline_model.headerData(0, Qt.Orientation.Horizontal)
        assert header == "일시"
        assert resources.install_language(qapp, "en")
        english = CustomerView(None, None)  # type: ignore[arg-type]
        qtbot.addWidget(english)
        assert english.name.text() == "No customer open"
    finally:
        resources.install_language(qapp, "en")
