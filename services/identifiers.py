"""Launch-day identifiers: what agents and upstream systems type, checked and normalized.

Pure functions, no web framework and no database. Every refusal is an
:class:`IdentifierError` naming what was expected and what was received, in
English (``message``) and Korean (``message_ko``).

========================  ==========================================================
reservation number 예약번호  8 digits, the last a Luhn check digit over the first 7
order number 주문번호       11 digits, the last a Luhn check digit over the first 10
mobile number 휴대폰번호    010 + 8 digits, or 011/016/017/018/019 + 7 or 8 digits;
                           ``+82``/``82`` accepted, stored as ``01012345678``
tracking number 운송장번호  13 digits (postal courier) or 12 digits (private courier)
========================  ==========================================================

Input cleaning: NFKC (full-width ``０１０`` becomes ``010``), surrounding
whitespace stripped, then spaces, hyphens (and dashes) and dots may separate
digits anywhere. Anything else inside a number is refused: letters, digits of
other scripts (Arabic-Indic ``٠١٢``…), control and invisible characters, other
symbols. Input longer than 200 characters is refused before it is looked at.

Error messages never echo control characters, and never echo a mobile number
beyond its 3-digit prefix (mobile numbers are masked wherever they are listed,
and error messages end up in logs).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = [
    "KIND_LABELS_EN",
    "KIND_LABELS_KO",
    "MAX_INPUT_LENGTH",
    "MAX_NAME_LENGTH",
    "IdentifierError",
    "Kind",
    "Recognition",
    "format_mobile",
    "is_luhn_valid",
    "luhn_check_digit",
    "make_order_no",
    "make_reservation_no",
    "mask_mobile",
    "normalize_mobile",
    "parse_as",
    "parse_order_no",
    "parse_reservation_no",
    "parse_tracking_no",
    "recognise",
]

Kind = Literal["reservation", "order", "mobile", "tracking", "name"]

KIND_LABELS_KO: dict[str, str] = {
    "reservation": "예약번호",
    "order": "주문번호",
    "mobile": "휴대폰번호",
    "tracking": "운송장번호",
    "name": "이름",
}
KIND_LABELS_EN: dict[str, str] = {
    "reservation": "reservation number",
    "order": "order number",
    "mobile": "mobile number",
    "tracking": "tracking number",
    "name": "name",
}

MAX_INPUT_LENGTH = 200
MAX_NAME_LENGTH = 100
MAX_RECEIVED_LENGTH = 60

RESERVATION_LENGTH = 8
ORDER_LENGTH = 11
POSTAL_TRACKING_LENGTH = 13
PRIVATE_TRACKING_LENGTH = 12
MOBILE_PREFIXES = ("010", "011", "016", "017", "018", "019")

_ASCII_DIGITS = frozenset("0123456789")
# Hyphen-minus plus the dashes word processors substitute for it, and dots.
_SEPARATORS = frozenset(" -.\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
_EDGE_WHITESPACE = frozenset("\t\n\r")
_MOBILE_RE = re.compile(r"010[0-9]{8}|01[16789][0-9]{7,8}")
_CONTROL_NAMES = {
    "\x00": "NULL",
    "\t": "TAB",
    "\n": "LINE FEED",
    "\r": "CARRIAGE RETURN",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
}
# Letters that stand in for digits when typed among them.
_DIGIT_LOOKALIKES = {"O": "0", "o": "0", "I": "1", "l": "1"}


# --------------------------------------------------------------------------- errors


class IdentifierError(ValueError):
    """A typed identifier was refused.

    ``message`` (English, also ``str(error)``) and ``message_ko`` (Korean) are
    meant for the person who typed it; ``expected`` describes the accepted
    format; ``received`` is a short description (at most 60 characters, no
    control characters) of what was typed, never the raw input.
    """

    message: str
    message_ko: str
    expected: str
    received: str

    def __init__(self, message: str, *, expected: str, received: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_ko = message
        self.expected = expected
        self.received = _safe_received(received)

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments break the default exception pickling.
        return (_rebuild_error, (self.message, self.message_ko, self.expected, self.received))


def _rebuild_error(message: str, message_ko: str, expected: str, received: str) -> IdentifierError:
    error = IdentifierError(message, expected=expected, received=received)
    error.message_ko = message_ko
    return error


def _safe_received(received: str) -> str:
    cleaned = "".join(
        "?" if unicodedata.category(ch).startswith("C") else ch for ch in str(received)
    )
    if len(cleaned) > MAX_RECEIVED_LENGTH:
        cleaned = cleaned[: MAX_RECEIVED_LENGTH - 1] + "…"
    return cleaned


def _error(en: str, ko: str, *, expected: str, received: str) -> IdentifierError:
    error = IdentifierError(en, expected=expected, received=received)
    error.message_ko = ko
    return error


# --------------------------------------------------------------------------- Luhn


def _require_ascii_digits(value: str, what: str) -> None:
    if not isinstance(value, str) or not value or not set(value) <= _ASCII_DIGITS:
        raise ValueError(f"{what} must be a non-empty string of ASCII digits, got {value!r:.40}")


def luhn_check_digit(payload: str) -> str:
    """The Luhn check digit to append to ``payload`` (ASCII digits): '7992739871' -> '3'."""
    _require_ascii_digits(payload, "Luhn payload")
    total = 0
    for index, ch in enumerate(reversed(payload)):
        digit = ord(ch) - 48
        if index % 2 == 0:  # the digit next to the check digit is doubled
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def is_luhn_valid(number: str) -> bool:
    """Whether ``number`` (at least 2 ASCII digits) ends with its Luhn check digit."""
    if not isinstance(number, str) or len(number) < 2 or not set(number) <= _ASCII_DIGITS:
        return False
    return luhn_check_digit(number[:-1]) == number[-1]


def _make_serial_number(serial: int, width: int, what: str) -> str:
    if isinstance(serial, bool) or not isinstance(serial, int):
        raise TypeError(f"{what} serial must be an int, got {type(serial).__name__}")
    if not 0 <= serial < 10**width:
        raise ValueError(f"{what} serial must be 0..{10**width - 1}, got {serial}")
    payload = f"{serial:0{width}d}"
    return payload + luhn_check_digit(payload)


def make_reservation_no(serial: int) -> str:
    """8-digit reservation number: the serial (0..9_999_999) zero-padded to 7, plus check digit."""
    return _make_serial_number(serial, RESERVATION_LENGTH - 1, "reservation number")


def make_order_no(serial: int) -> str:
    """11-digit order number: the serial zero-padded to 10 digits, plus check digit."""
    return _make_serial_number(serial, ORDER_LENGTH - 1, "order number")


# --------------------------------------------------------------------------- wording


@dataclass(frozen=True)
class _Context:
    """What a field expects, for wording refusals."""

    kind: Kind | None
    spec: str  # IdentifierError.expected
    want_en: str  # "Expected {want_en}, received …"
    want_ko: str  # "{want_ko}를 입력해야 하는데 …"
    subject_en: str  # "The reservation number contains …"
    subject_ko: str  # "예약번호에 …"


_CONTEXTS: dict[Kind, _Context] = {
    "reservation": _Context(
        "reservation",
        "reservation number: 8 digits with a Luhn check digit",
        "a reservation number (8 digits)",
        "예약번호(8자리)",
        "The reservation number",
        "예약번호",
    ),
    "order": _Context(
        "order",
        "order number: 11 digits with a Luhn check digit",
        "an order number (11 digits)",
        "주문번호(11자리)",
        "The order number",
        "주문번호",
    ),
    "mobile": _Context(
        "mobile",
        "mobile number: 010 + 8 digits, or 011/016/017/018/019 + 7 or 8 digits "
        "(e.g. 010-1234-5678)",
        "a mobile number (e.g. 010-1234-5678)",
        "휴대폰번호(예: 010-1234-5678)",
        "The mobile number",
        "휴대폰번호",
    ),
    "tracking": _Context(
        "tracking",
        "tracking number: 13 digits (postal courier) or 12 digits (private courier)",
        "a tracking number (12 or 13 digits)",
        "운송장번호(12자리 또는 13자리)",
        "The tracking number",
        "운송장번호",
    ),
    "name": _Context(
        "name",
        "name: 1 to 100 characters with at least one letter and no digits",
        "a name",
        "이름",
        "The name",
        "이름",
    ),
}
_ANY = _Context(
    None,
    "a reservation number (8 digits), order number (11 digits), mobile number "
    "(e.g. 010-1234-5678), tracking number (12 or 13 digits) or name",
    "a reservation number, order number, mobile number, tracking number or name",
    "예약번호, 주문번호, 휴대폰번호, 운송장번호 또는 이름",
    "The input",
    "입력",
)
_LENGTHS_EN = (
    "reservation numbers have 8 digits, order numbers 11, mobile numbers 10 or 11 "
    "(e.g. 010-1234-5678) and tracking numbers 12 or 13"
)
_LENGTHS_KO = (
    "예약번호는 8자리, 주문번호는 11자리, 휴대폰번호는 10자리 또는 11자리(예: 010-1234-5678), "
    "운송장번호는 12자리 또는 13자리입니다"
)
_PREFIXES_EN = "010, 011, 016, 017, 018 or 019"
_PREFIXES_KO = "010, 011, 016, 017, 018, 019"


def _josa(word: str, with_final: str, without_final: str) -> str:
    """Append the Korean particle that fits ``word``'s last syllable (을/를, 이/가)."""
    core = re.sub(r"\([^()]*\)$", "", word).rstrip()
    last = core[-1] if core else ""
    if "가" <= last <= "힣":
        return word + (with_final if (ord(last) - 0xAC00) % 28 else without_final)
    # Digits read as 영 일 이 삼 사 오 육 칠 팔 구: final consonant on 0 1 3 6 7 8.
    return word + (with_final if last in "013678" else without_final)


def _ro(word: str) -> str:
    """Append 으로/로 after a word ending in a digit (ㄹ-final 일 칠 팔 take 로)."""
    return word + ("으로" if word[-1:] in "036" else "로")


def _an(count: int) -> str:
    return "an" if str(count).startswith("8") or count in (11, 18) else "a"


def _digits_en(count: int) -> str:
    return "1 digit" if count == 1 else f"{count} digits"


def _show_char(ch: str) -> str:
    """A character for a message: printable ones quoted, others only by code point."""
    code = f"U+{ord(ch):04X}"
    name = unicodedata.name(ch, "") or _CONTROL_NAMES.get(ch, "")
    printable = unicodedata.category(ch)[0] in "LNPS"
    if printable and ch.isascii():
        return '"\'"' if ch == "'" else f"'{ch}'"
    if printable:
        return f"'{ch}' ({code} {name})".replace(" )", ")")
    return f"{code} {name}".strip()


def _short_char(ch: str) -> str:
    """A character for ``received``: quoted if printable, else its code point."""
    if unicodedata.category(ch)[0] in "LNPS":
        return '"\'"' if ch == "'" else f"'{ch}'"
    return f"U+{ord(ch):04X}"


# --------------------------------------------------------------------------- cleaning


def _strip(text: str) -> str:
    def is_edge_space(ch: str) -> bool:
        return ch in _EDGE_WHITESPACE or unicodedata.category(ch) in ("Zs", "Zl", "Zp")

    start, end = 0, len(text)
    while start < end and is_edge_space(text[start]):
        start += 1
    while end > start and is_edge_space(text[end - 1]):
        end -= 1
    return text[start:end]


def _too_long(length: int, ctx: _Context) -> IdentifierError:
    return _error(
        f"{ctx.subject_en} is too long: {length} characters, "
        f"at most {MAX_INPUT_LENGTH} are accepted (expected {ctx.want_en})",
        f"입력이 너무 깁니다: {length}자 (최대 {MAX_INPUT_LENGTH}자). "
        f"{_josa(ctx.want_ko, '을', '를')} 입력하세요.",
        expected=ctx.spec,
        received=f"{length} characters of text",
    )


def _prepare(text: object, ctx: _Context) -> str:
    """NFKC, strip; refuse non-text, over-long, empty and control-character input."""
    if not isinstance(text, str):
        kind = type(text).__name__
        raise _error(
            f"Expected {ctx.want_en} as text, received a value of type {kind}",
            f"{_josa(ctx.want_ko, '을', '를')} 글자로 입력해야 하는데 {kind} 값이 입력되었습니다.",
            expected=ctx.spec,
            received=f"value of type {kind}",
        )
    # The raw length first (a huge input is never normalized), then the normalized
    # one (NFKC can spell one character out in several).
    if len(text) > MAX_INPUT_LENGTH:
        raise _too_long(len(text), ctx)
    normalized = unicodedata.normalize("NFKC", text)
    if len(normalized) > MAX_INPUT_LENGTH:
        raise _too_long(len(normalized), ctx)
    stripped = _strip(normalized)
    if not stripped:
        raise _error(
            f"Nothing was entered: expected {ctx.want_en}",
            f"아무것도 입력되지 않았습니다. {_josa(ctx.want_ko, '을', '를')} 입력하세요.",
            expected=ctx.spec,
            received="empty text",
        )
    for position, ch in enumerate(stripped, 1):
        if unicodedata.category(ch).startswith("C"):
            raise _error(
                f"{ctx.subject_en} contains an invisible control character "
                f"({_show_char(ch)}) at position {position}; retype it "
                f"(expected {ctx.want_en})",
                f"{ctx.subject_ko}에 보이지 않는 제어 문자가 있습니다: {position}번째 글자 "
                f"{_show_char(ch)}. 다시 입력하세요.",
                expected=ctx.spec,
                received=f"text with a control character ({_short_char(ch)})",
            )
    return stripped


@dataclass(frozen=True)
class _Scan:
    digits: str  # the ASCII digits, in order
    plus: bool  # a leading '+'
    letters: tuple[tuple[int, str], ...]  # (1-based position, letter)
    other_digits: tuple[tuple[int, str], ...]  # digits of other scripts
    unexpected: tuple[tuple[int, str], ...]  # anything else but separators


def _scan(text: str) -> _Scan:
    digits: list[str] = []
    letters: list[tuple[int, str]] = []
    other_digits: list[tuple[int, str]] = []
    unexpected: list[tuple[int, str]] = []
    plus = False
    for position, ch in enumerate(text, 1):
        if ch in _ASCII_DIGITS:
            digits.append(ch)
        elif ch == "+" and position == 1:
            plus = True
        elif ch in _SEPARATORS:
            continue
        else:
            category = unicodedata.category(ch)
            if category == "Nd":
                other_digits.append((position, ch))
            elif category.startswith("L"):
                letters.append((position, ch))
            else:
                unexpected.append((position, ch))
    return _Scan("".join(digits), plus, tuple(letters), tuple(other_digits), tuple(unexpected))


def _refuse_other_digits(scan: _Scan, ctx: _Context) -> None:
    if not scan.other_digits:
        return
    position, ch = scan.other_digits[0]
    raise _error(
        f"{ctx.subject_en} contains the digit {_show_char(ch)} at position {position}, "
        "which is not one of the digits 0-9; retype it with 0-9 "
        f"(expected {ctx.want_en})",
        f"{ctx.subject_ko}에 일반 숫자(0-9)가 아닌 숫자가 있습니다: {position}번째 글자 "
        f"{_show_char(ch)}. 0-9 숫자로 다시 입력하세요.",
        expected=ctx.spec,
        received=f"text with a non-ASCII digit ({_short_char(ch)} U+{ord(ch):04X})",
    )


def _refuse_letters_in_number(scan: _Scan, ctx: _Context) -> None:
    if not scan.letters:
        return
    position, ch = scan.letters[0]
    hint_en = hint_ko = ""
    if len(scan.letters) <= 2 and ch in _DIGIT_LOOKALIKES:
        hint_en = f" (did you mean {_DIGIT_LOOKALIKES[ch]}?)"
        hint_ko = f" ({_DIGIT_LOOKALIKES[ch]}을 입력하려던 것인가요?)"
    count = len(scan.letters)
    several = f"{count} letters, the first" if count > 1 else "the letter"
    raise _error(
        f"{ctx.subject_en} contains {several} {_show_char(ch)} at position {position}"
        f"{hint_en}; a number may contain only the digits 0-9, separated by spaces, "
        f"hyphens or dots (expected {ctx.want_en})",
        f"{ctx.subject_ko}에 숫자가 아닌 글자가 있습니다: {position}번째 글자 {_show_char(ch)}"
        f"{hint_ko}. 숫자 0-9만 입력하세요(공백, 하이픈, 점은 구분자로 쓸 수 있습니다).",
        expected=ctx.spec,
        received=f"number containing the letter {_short_char(ch)}",
    )


def _refuse_unexpected(scan: _Scan, ctx: _Context) -> None:
    if not scan.unexpected:
        return
    position, ch = scan.unexpected[0]
    raise _error(
        f"{ctx.subject_en} contains the character {_show_char(ch)} at position {position}; "
        "a number may contain only the digits 0-9, separated by spaces, hyphens or dots, "
        f"and a leading + for a mobile number (expected {ctx.want_en})",
        f"{ctx.subject_ko}에 쓸 수 없는 문자가 있습니다: {position}번째 글자 {_show_char(ch)}. "
        "숫자 0-9와 구분자(공백, 하이픈, 점)만 쓸 수 있습니다.",
        expected=ctx.spec,
        received=f"number containing {_short_char(ch)}",
    )


def _refuse_nothing_usable(ctx: _Context) -> IdentifierError:
    return _error(
        f"{ctx.subject_en} contains no digits or letters (expected {ctx.want_en})",
        f"{ctx.subject_ko}에 숫자나 글자가 없습니다. {_josa(ctx.want_ko, '을', '를')} 입력하세요.",
        expected=ctx.spec,
        received="text without digits or letters",
    )


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class Recognition:
    """One kind a typed text fits, with its normalized value."""

    kind: Kind
    value: str  # normalized value


def _national_mobile(digits: str, plus: bool) -> str | None:
    """The national form implied by the digits (not yet validated), or None."""
    if plus:
        if not digits.startswith("82"):
            return None
        rest = digits[2:]
        if rest.startswith("0"):  # "+82 010 …": the trunk 0 typed after the country code
            rest = rest[1:]
        return "0" + rest
    if digits.startswith("82") and len(digits) >= 11:
        return "0" + digits[2:]
    if digits.startswith("0"):
        return digits
    return None


def _mobile_from_digits(digits: str, plus: bool) -> str | None:
    national = _national_mobile(digits, plus)
    if national is not None and _MOBILE_RE.fullmatch(national):
        return national
    return None


def _candidates(digits: str, plus: bool) -> list[Recognition]:
    """Every number kind the digits fit, in the order of ``Kind``."""
    found: list[Recognition] = []
    if not plus:
        if len(digits) == RESERVATION_LENGTH and is_luhn_valid(digits):
            found.append(Recognition("reservation", digits))
        if len(digits) == ORDER_LENGTH and is_luhn_valid(digits):
            found.append(Recognition("order", digits))
    mobile = _mobile_from_digits(digits, plus)
    if mobile is not None:
        found.append(Recognition("mobile", mobile))
    if not plus and len(digits) in (PRIVATE_TRACKING_LENGTH, POSTAL_TRACKING_LENGTH):
        found.append(Recognition("tracking", digits))
    return found


def _tracking_kind(digits: str) -> str:
    return "postal" if len(digits) == POSTAL_TRACKING_LENGTH else "private"


def _describe(found: list[Recognition]) -> tuple[str, str, str]:
    """(English with article, Korean noun phrase, short ``received``) for what was typed."""
    en: list[str] = []
    ko: list[str] = []
    short: list[str] = []
    for item in found:
        n = len(item.value)
        if item.kind == "mobile":
            en.append("a mobile number")
            ko.append("휴대폰번호")
            short.append("mobile number")
        elif item.kind == "tracking":
            courier = _tracking_kind(item.value)
            en.append(f"{_an(n)} {n}-digit tracking number ({courier} courier)")
            ko.append(f"{n}자리 운송장번호")
            short.append(f"{n}-digit tracking number")
        else:
            label = KIND_LABELS_EN[item.kind]
            en.append(f"{_an(n)} {n}-digit {label}")
            ko.append(f"{n}자리 {KIND_LABELS_KO[item.kind]}")
            short.append(f"{n}-digit {label}")
    return " or ".join(en), " 또는 ".join(ko), " or ".join(short)


def _wrong_kind(ctx: _Context, found: list[Recognition]) -> IdentifierError:
    got_en, got_ko, got_short = _describe(found)
    en = f"Expected {ctx.want_en}, received {got_en}"
    ko = f"{_josa(ctx.want_ko, '을', '를')} 입력해야 하는데 {_josa(got_ko, '이', '가')} 입력되었습니다."
    kinds = {item.kind for item in found}
    if ctx.kind == "reservation" and "order" in kinds:
        en += (
            ". An order number is not a reservation number: ask the customer for the "
            "8-digit reservation number, or look the customer up by order number instead"
        )
        ko += " 주문번호는 예약번호가 아닙니다. 고객에게 8자리 예약번호를 확인하거나 주문번호로 조회하세요."
    elif ctx.kind == "order" and "reservation" in kinds:
        en += (
            ". A reservation number is not an order number: ask the customer for the "
            "11-digit order number, or look the customer up by reservation number instead"
        )
        ko += " 예약번호는 주문번호가 아닙니다. 고객에게 11자리 주문번호를 확인하거나 예약번호로 조회하세요."
    return _error(en, ko, expected=ctx.spec, received=got_short)


# --------------------------------------------------------------------------- diagnosis


def _check_digit_error(kind: Literal["reservation", "order"], digits: str) -> IdentifierError:
    ctx = _CONTEXTS[kind]
    n = len(digits)
    should = luhn_check_digit(digits[:-1])
    label_en = KIND_LABELS_EN[kind].capitalize()
    label_ko = KIND_LABELS_KO[kind]
    return _error(
        f"{label_en} {digits} has a wrong check digit (expected {n} digits whose last digit "
        f"is a Luhn check digit; the last digit should be {should}). The check digit is wrong "
        "whenever any digit was mistyped, so check the whole number with the customer "
        "rather than changing the last digit",
        f"{label_ko} {digits}의 검증 숫자가 틀렸습니다({label_ko}는 {n}자리이며 마지막 자리는 "
        f"Luhn 검증 숫자입니다. 앞 {n - 1}자리에 맞는 마지막 자리는 {should}입니다). "
        "어느 자리든 잘못 입력되면 검증 숫자가 틀리므로, 마지막 자리만 고치지 말고 번호 전체를 "
        "고객에게 다시 확인하세요.",
        expected=ctx.spec,
        received=f"{n}-digit number with a wrong check digit",
    )


def _plus_for_non_mobile(ctx: _Context) -> IdentifierError:
    return _error(
        f"Expected {ctx.want_en}, received a number starting with + (an international "
        f"phone number?); only mobile numbers take a country code",
        f"{_josa(ctx.want_ko, '을', '를')} 입력해야 하는데 +로 시작하는 번호(국제 전화번호?)가 "
        "입력되었습니다.",
        expected=ctx.spec,
        received="number starting with +",
    )


def _mobile_error(digits: str, plus: bool) -> IdentifierError:
    """Why these digits (known not to be a valid mobile number) are not one."""
    ctx = _CONTEXTS["mobile"]
    national = _national_mobile(digits, plus)
    if national is None and plus:
        return _error(
            "Not a valid mobile number: only Korean mobile numbers are accepted, and an "
            "international number must start with +82 (e.g. +82 10 1234 5678)",
            "올바른 휴대폰번호가 아닙니다: 한국 휴대폰번호만 받을 수 있으며, 국가번호는 +82여야 "
            "합니다(예: +82 10 1234 5678).",
            expected=ctx.spec,
            received="international number not starting with +82",
        )
    if national is None:
        hint_en = hint_ko = ""
        if _MOBILE_RE.fullmatch("0" + digits):
            hint_en = "; the leading 0 seems to be missing"
            hint_ko = " 맨 앞의 0이 빠진 것 같습니다."
        return _error(
            "Not a valid mobile number: a Korean mobile number starts with 01 "
            f"(e.g. 010-1234-5678) or +82, received {_digits_en(len(digits))} starting "
            f"with {digits[:2]}{hint_en}",
            "올바른 휴대폰번호가 아닙니다: 휴대폰번호는 01 또는 +82로 시작합니다"
            f"(예: 010-1234-5678).{hint_ko}",
            expected=ctx.spec,
            received=f"{len(digits)}-digit number starting with {digits[:2]}",
        )
    prefix = national[:3]
    after = len(national) - 3
    if not national.startswith("01"):
        return _error(
            f"Not a valid mobile number: a Korean mobile number starts with {_PREFIXES_EN}; "
            f"this one starts with {national[:2]} (a landline or other number?)",
            f"올바른 휴대폰번호가 아닙니다: 휴대폰번호는 {_PREFIXES_KO}로 시작하는데 "
            f"이 번호의 앞자리는 {national[:2]}입니다(일반 전화번호일 수 있습니다).",
            expected=ctx.spec,
            received=f"number starting with {national[:2]}",
        )
    if prefix not in MOBILE_PREFIXES:
        return _error(
            f"Not a valid mobile number: {prefix} is not a Korean mobile prefix "
            f"(expected {_PREFIXES_EN})",
            f"올바른 휴대폰번호가 아닙니다: {_josa(prefix, '은', '는')} 휴대폰 국번이 아닙니다"
            f"({_PREFIXES_KO} 중 하나여야 합니다).",
            expected=ctx.spec,
            received=f"number starting with {prefix}",
        )
    wanted_en, wanted_ko = ("8", "8") if prefix == "010" else ("7 or 8", "7자리 또는 8")
    return _error(
        f"Not a valid mobile number: a mobile number starting with {prefix} has {wanted_en} "
        f"digits after {prefix}, received {after}",
        f"올바른 휴대폰번호가 아닙니다: {prefix} 뒤에는 {wanted_ko}자리가 와야 하는데 "
        f"{after}자리가 입력되었습니다.",
        expected=ctx.spec,
        received=f"mobile number with {_digits_en(after)} after {prefix}",
    )


def _length_error(
    ctx: _Context, digits: str, note_en: str = "", note_ko: str = ""
) -> IdentifierError:
    n = len(digits)
    return _error(
        f"Expected {ctx.want_en}, received {_digits_en(n)}{note_en}",
        f"{_josa(ctx.want_ko, '을', '를')} 입력해야 하는데 {n}자리 숫자가 입력되었습니다.{note_ko}",
        expected=ctx.spec,
        received=f"{n}-digit number",
    )


def _kind_error(kind: Kind, digits: str, plus: bool) -> IdentifierError:
    """Why digits that fit no kind at all are not a ``kind``."""
    ctx = _CONTEXTS[kind]
    if kind == "mobile":
        return _mobile_error(digits, plus)
    if plus:
        return _plus_for_non_mobile(ctx)
    n = len(digits)
    if kind == "reservation":
        if n == RESERVATION_LENGTH:
            return _check_digit_error("reservation", digits)
        if n == ORDER_LENGTH:
            return _length_error(
                ctx,
                digits,
                ". Order numbers have 11 digits, but this is not a valid order number "
                "either (its check digit is wrong)",
                " 주문번호가 11자리이지만, 이 번호는 검증 숫자가 틀려 주문번호도 아닙니다.",
            )
    if kind == "order":
        if n == ORDER_LENGTH:
            return _check_digit_error("order", digits)
        if n == RESERVATION_LENGTH:
            return _length_error(
                ctx,
                digits,
                ". Reservation numbers have 8 digits, but this is not a valid reservation "
                "number either (its check digit is wrong)",
                " 예약번호가 8자리이지만, 이 번호는 검증 숫자가 틀려 예약번호도 아닙니다.",
            )
    return _length_error(ctx, digits)


def _closest_error(digits: str, plus: bool) -> IdentifierError:
    """For ``recognise``: digits that fit no kind, explained by the kind they come closest to."""
    if plus:
        return _mobile_error(digits, plus)
    n = len(digits)
    if n == RESERVATION_LENGTH:
        return _check_digit_error("reservation", digits)
    if n == ORDER_LENGTH:
        if digits.startswith("01"):
            prefix = digits[:3]
            return _error(
                f"11 digits starting with {prefix} are neither a mobile number ({prefix} is not "
                f"a Korean mobile prefix; expected {_PREFIXES_EN}) nor an order number "
                "(the check digit is wrong)",
                f"{_ro(prefix)} 시작하는 11자리 숫자는 휴대폰번호"
                f"({_josa(prefix, '은', '는')} 휴대폰 국번이 아닙니다)도 "
                "주문번호(검증 숫자가 틀렸습니다)도 아닙니다.",
                expected=f"{_CONTEXTS['mobile'].spec}; or {_CONTEXTS['order'].spec}",
                received=f"11-digit number starting with {prefix}",
            )
        return _check_digit_error("order", digits)
    if digits[:3] in MOBILE_PREFIXES or _MOBILE_RE.fullmatch("0" + digits):
        return _mobile_error(digits, plus)
    closeness_en = closeness_ko = ""
    if n == RESERVATION_LENGTH + 1:
        closeness_en = "; one digit more than a reservation number"
        closeness_ko = " 예약번호보다 한 자리 깁니다."
    elif n == RESERVATION_LENGTH - 1:
        closeness_en = "; one digit less than a reservation number"
        closeness_ko = " 예약번호보다 한 자리 짧습니다."
    elif n == ORDER_LENGTH - 1:
        closeness_en = "; one digit less than an order number"
        closeness_ko = " 주문번호보다 한 자리 짧습니다."
    elif n == POSTAL_TRACKING_LENGTH + 1:
        closeness_en = "; one digit more than a postal tracking number"
        closeness_ko = " 우체국 운송장번호보다 한 자리 깁니다."
    return _error(
        f"{_digits_en(n)} {'does' if n == 1 else 'do'} not match any identifier"
        f"{closeness_en} ({_LENGTHS_EN})",
        f"{n}자리 숫자는 어떤 번호에도 맞지 않습니다.{closeness_ko} ({_LENGTHS_KO}.)",
        expected=_ANY.spec,
        received=f"{n}-digit number",
    )


# --------------------------------------------------------------------------- names


def _validate_name(text: str, ctx: _Context) -> str:
    if len(text) > MAX_NAME_LENGTH:
        raise _error(
            f"A name has at most {MAX_NAME_LENGTH} characters, received {len(text)}",
            f"이름은 최대 {MAX_NAME_LENGTH}자인데 {len(text)}자가 입력되었습니다.",
            expected=_CONTEXTS["name"].spec,
            received=f"{len(text)}-character text",
        )
    if not any(unicodedata.category(ch).startswith("L") for ch in text):
        raise _error(
            f"A name must contain at least one letter (expected {ctx.want_en})",
            f"이름에는 글자가 하나 이상 있어야 합니다. {_josa(ctx.want_ko, '을', '를')} 입력하세요.",
            expected=_CONTEXTS["name"].spec,
            received="text without letters",
        )
    return text


def _name_with_digits(text: str) -> IdentifierError:
    position, ch = next((i, c) for i, c in enumerate(text, 1) if unicodedata.category(c) == "Nd")
    return _error(
        f"A name cannot contain digits: {_show_char(ch)} at position {position}",
        f"이름에는 숫자가 들어갈 수 없습니다: {position}번째 글자 {_show_char(ch)}.",
        expected=_CONTEXTS["name"].spec,
        received="name containing digits",
    )


def _parse_name(text: str) -> str:
    ctx = _CONTEXTS["name"]
    stripped = _prepare(text, ctx)
    scan = _scan(stripped)
    if scan.digits or scan.other_digits:
        if not (scan.letters or scan.other_digits or scan.unexpected):
            found = _candidates(scan.digits, scan.plus)
            if found:
                raise _wrong_kind(ctx, found)
            n = len(scan.digits)
            raise _error(
                f"Expected a name, received a number ({_digits_en(n)})",
                f"이름을 입력해야 하는데 {n}자리 숫자가 입력되었습니다.",
                expected=ctx.spec,
                received=f"{n}-digit number",
            )
        raise _name_with_digits(stripped)
    return _validate_name(stripped, ctx)


# --------------------------------------------------------------------------- public


def recognise(text: str) -> list[Recognition]:
    """Every kind ``text`` fits, in the order of ``Kind`` (never empty).

    A text with no digits and at least one letter is a name. A number that fits
    no kind raises :class:`IdentifierError` explaining the kind it came closest
    to (a wrong check digit, a wrong length, an unknown mobile prefix).
    """
    stripped = _prepare(text, _ANY)
    scan = _scan(stripped)
    _refuse_other_digits(scan, _ANY)
    if not scan.digits:
        if scan.letters:
            return [Recognition("name", _validate_name(stripped, _ANY))]
        raise _refuse_nothing_usable(_ANY)
    if scan.letters and len(scan.letters) > len(scan.digits):
        raise _name_with_digits(stripped)
    _refuse_letters_in_number(scan, _ANY)
    _refuse_unexpected(scan, _ANY)
    found = _candidates(scan.digits, scan.plus)
    if found:
        return found
    raise _closest_error(scan.digits, scan.plus)


def parse_as(kind: Kind, text: str) -> str:
    """The normalized value of ``text`` typed into a field for ``kind``.

    Text of another kind is refused naming both (an order number typed as a
    reservation number is the classic launch-day mistake). For ``"name"`` the
    NFKC-normalized, stripped name is returned.
    """
    if kind not in _CONTEXTS:
        raise ValueError(f"unknown identifier kind {kind!r}; expected one of {get_args(Kind)}")
    if kind == "name":
        return _parse_name(text)
    ctx = _CONTEXTS[kind]
    stripped = _prepare(text, ctx)
    scan = _scan(stripped)
    _refuse_other_digits(scan, ctx)
    if not scan.digits:
        if scan.letters:
            raise _error(
                f"Expected {ctx.want_en}, received text without any digits (a name?)",
                f"{_josa(ctx.want_ko, '을', '를')} 입력해야 하는데 숫자가 없는 글자(이름 등)가 "
                "입력되었습니다.",
                expected=ctx.spec,
                received="text without digits (a name?)",
            )
        raise _refuse_nothing_usable(ctx)
    _refuse_letters_in_number(scan, ctx)
    _refuse_unexpected(scan, ctx)
    found = _candidates(scan.digits, scan.plus)
    for item in found:
        if item.kind == kind:
            return item.value
    if found and not _meant_as_mobile(kind, scan, found):
        error = _wrong_kind(ctx, found)
        if kind == "order" and len(scan.digits) == ORDER_LENGTH:
            # 11 digits starting 01x: a mobile number, or an order number with a typo.
            should = luhn_check_digit(scan.digits[:-1])
            error = _error(
                f"{error.message}; read as an order number, its check digit is wrong "
                f"(the last digit should be {should}), so check the whole number",
                f"{error.message_ko} 주문번호로 보면 검증 숫자가 틀렸습니다"
                f"(마지막 자리는 {should}여야 합니다). 번호 전체를 다시 확인하세요.",
                expected=error.expected,
                received=error.received,
            )
        raise error
    raise _kind_error(kind, scan.digits, scan.plus)


def _meant_as_mobile(kind: Kind, scan: _Scan, found: list[Recognition]) -> bool:
    """A mobile field holding 12-13 digits that start like a mobile number (010-1234-56789).

    Such digits also fit a tracking number, but in a mobile field a mistyped mobile
    number is far likelier, so its reason (digits after the prefix) is the better answer.
    """
    if kind != "mobile" or any(item.kind != "tracking" for item in found):
        return False
    national = _national_mobile(scan.digits, scan.plus)
    return national is not None and national[:3] in MOBILE_PREFIXES


def parse_reservation_no(text: str) -> str:
    """The 8-digit reservation number in ``text``, or IdentifierError."""
    return parse_as("reservation", text)


def parse_order_no(text: str) -> str:
    """The 11-digit order number in ``text``, or IdentifierError."""
    return parse_as("order", text)


def normalize_mobile(text: str) -> str:
    """The mobile number in ``text`` in national digits-only form ('01012345678')."""
    return parse_as("mobile", text)


def _mobile_blocks(mobile: str) -> tuple[str, str, str]:
    national = normalize_mobile(mobile)
    middle_end = 7 if len(national) == 11 else 6
    return national[:3], national[3:middle_end], national[middle_end:]


def format_mobile(mobile: str) -> str:
    """'010-1234-5678' (3-4-4), or 3-3-4 for a 10-digit legacy number; any accepted input."""
    return "-".join(_mobile_blocks(mobile))


def mask_mobile(mobile: str) -> str:
    """'010-****-5678': the middle block masked; any accepted input."""
    prefix, middle, last = _mobile_blocks(mobile)
    return f"{prefix}-{'*' * len(middle)}-{last}"


def parse_tracking_no(text: str) -> tuple[str, str]:
    """(digits, "postal") for 13 digits, (digits, "private") for 12 digits."""
    digits = parse_as("tracking", text)
    return digits, _tracking_kind(digits)
