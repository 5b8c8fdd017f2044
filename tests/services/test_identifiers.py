"""Identifiers: Luhn numbers, mobile numbers, tracking numbers, names, and the refusals."""

from __future__ import annotations

import pickle
import unicodedata

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from services.identifiers import (
    KIND_LABELS_EN,
    KIND_LABELS_KO,
    IdentifierError,
    Recognition,
    format_mobile,
    is_luhn_valid,
    luhn_check_digit,
    make_order_no,
    make_reservation_no,
    mask_mobile,
    normalize_mobile,
    parse_as,
    parse_order_no,
    parse_reservation_no,
    parse_tracking_no,
    recognise,
)

RESERVATION = make_reservation_no(1234567)  # "12345674"
ORDER = make_order_no(5)  # "00000000059"
# An 11-digit number that is both a mobile number and a Luhn-valid order number.
MOBILE_AND_ORDER = make_order_no(101234567)  # "01012345672"

reservation_serials = st.integers(min_value=0, max_value=9_999_999)
order_serials = st.integers(min_value=0, max_value=9_999_999_999)
digit_strings = st.text(alphabet="0123456789", min_size=1, max_size=30)


def kinds(text: str) -> list[str]:
    return [item.kind for item in recognise(text)]


def refusal(call, *args) -> IdentifierError:  # type: ignore[no-untyped-def]
    with pytest.raises(IdentifierError) as info:
        call(*args)
    return info.value


# --------------------------------------------------------------------------- Luhn


@pytest.mark.parametrize(
    ("payload", "check"),
    [
        ("7992739871", "3"),  # the textbook example
        ("0", "0"),
        ("1", "8"),
        ("1234567", "4"),
        ("0000000000", "0"),
        ("0000000005", "9"),
        ("4111111111111111"[:-1], "1"),  # test Visa number
    ],
)
def test_luhn_check_digit_known_values(payload: str, check: str) -> None:
    assert luhn_check_digit(payload) == check
    assert is_luhn_valid(payload + check)


def test_is_luhn_valid_known_numbers() -> None:
    assert is_luhn_valid("79927398713")
    assert not is_luhn_valid("79927398710")
    assert is_luhn_valid("4111111111111111")
    assert not is_luhn_valid("4111111111111112")


@pytest.mark.parametrize("bad", ["", "7", "12a4", "１２３４", "١٢٣", "12 34", None, 1234])
def test_is_luhn_valid_is_false_for_non_digit_strings(bad: object) -> None:
    assert is_luhn_valid(bad) is False  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", "12a", "１２", "٣"])
def test_luhn_check_digit_refuses_non_ascii_digit_payloads(bad: str) -> None:
    with pytest.raises(ValueError):
        luhn_check_digit(bad)


@given(digit_strings)
def test_appending_the_check_digit_always_makes_a_valid_number(payload: str) -> None:
    check = luhn_check_digit(payload)
    assert is_luhn_valid(payload + check)
    others = [d for d in "0123456789" if d != check]
    assert not any(is_luhn_valid(payload + d) for d in others)


@given(digit_strings, st.data())
def test_luhn_detects_every_single_digit_change(payload: str, data: st.DataObject) -> None:
    number = payload + luhn_check_digit(payload)
    index = data.draw(st.integers(min_value=0, max_value=len(number) - 1))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != number[index]]))
    typo = number[:index] + replacement + number[index + 1 :]
    assert not is_luhn_valid(typo)


@given(st.text(alphabet="0123456789", min_size=2, max_size=30), st.data())
def test_luhn_detects_adjacent_transpositions_except_09(payload: str, data: st.DataObject) -> None:
    number = payload + luhn_check_digit(payload)
    index = data.draw(st.integers(min_value=0, max_value=len(number) - 2))
    a, b = number[index], number[index + 1]
    assume(a != b)
    assume({a, b} != {"0", "9"})  # Luhn's one blind spot, see the test below
    swapped = number[:index] + b + a + number[index + 2 :]
    assert not is_luhn_valid(swapped)


def test_luhn_cannot_see_a_09_transposition() -> None:
    # Documented limitation of Luhn: "09" <-> "90" keeps the sum.
    number = "09" + luhn_check_digit("09")
    assert is_luhn_valid(number)
    assert is_luhn_valid("90" + number[2])


# --------------------------------------------------------------------------- make / parse


def test_make_numbers_are_zero_padded_with_a_check_digit() -> None:
    assert make_reservation_no(0) == "00000000"
    assert make_reservation_no(1234567) == "12345674"
    assert make_reservation_no(9_999_999) == "9999999" + luhn_check_digit("9999999")
    assert make_order_no(5) == "00000000059"
    assert make_order_no(7992739871) == "79927398713"
    assert len(make_order_no(9_999_999_999)) == 11


@pytest.mark.parametrize("serial", [-1, 10_000_000])
def test_make_reservation_no_refuses_serials_out_of_range(serial: int) -> None:
    with pytest.raises(ValueError):
        make_reservation_no(serial)


@pytest.mark.parametrize("serial", [-1, 10_000_000_000])
def test_make_order_no_refuses_serials_out_of_range(serial: int) -> None:
    with pytest.raises(ValueError):
        make_order_no(serial)


@pytest.mark.parametrize("serial", [True, 1.0, "1"])
def test_make_numbers_refuse_non_int_serials(serial: object) -> None:
    with pytest.raises(TypeError):
        make_reservation_no(serial)  # type: ignore[arg-type]


@given(reservation_serials)
def test_reservation_numbers_round_trip(serial: int) -> None:
    number = make_reservation_no(serial)
    assert len(number) == 8
    assert int(number[:7]) == serial
    assert parse_reservation_no(number) == number
    assert parse_reservation_no(f" {number[:4]}-{number[4:]} ") == number
    assert parse_as("reservation", number) == number
    assert recognise(number) == [Recognition("reservation", number)]


@given(order_serials)
def test_order_numbers_round_trip(serial: int) -> None:
    number = make_order_no(serial)
    assert len(number) == 11
    assert int(number[:10]) == serial
    assert parse_order_no(number) == number
    assert parse_order_no(f"{number[:3]}-{number[3:7]}-{number[7:]}") == number
    assert Recognition("order", number) in recognise(number)


def test_separators_are_spaces_hyphens_dashes_and_dots() -> None:
    assert parse_reservation_no("1234.5674") == RESERVATION
    assert parse_reservation_no("1234 - 5674") == RESERVATION
    assert parse_reservation_no("1234\u20135674") == RESERVATION  # en dash
    assert parse_reservation_no("\t12345674\n") == RESERVATION  # pasted with whitespace
    assert parse_reservation_no("\u00a012345674\u3000") == RESERVATION  # nbsp, ideographic


# --------------------------------------------------------------------------- mobile


@pytest.mark.parametrize(
    "typed",
    [
        "010-1234-5678",
        "01012345678",
        "010 1234 5678",
        "+82 10 1234 5678",
        "+82-10-1234-5678",
        "+821012345678",
        "82 10 1234 5678",
        "010.1234.5678",
        "  010-1234-5678  ",
        "０１０-１２３４-５６７８",  # full width
        "＋８２ １０ １２３４ ５６７８",
        "+82 010 1234 5678",  # trunk 0 kept after the country code
    ],
)
def test_normalize_mobile_accepts_every_listed_format(typed: str) -> None:
    assert normalize_mobile(typed) == "01012345678"
    assert Recognition("mobile", "01012345678") in recognise(typed)


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("011-123-4567", "0111234567"),
        ("011-1234-5678", "01112345678"),
        ("016 123 4567", "0161234567"),
        ("017-1234-5678", "01712345678"),
        ("018-123-4567", "0181234567"),
        ("+82 19 123 4567", "0191234567"),
    ],
)
def test_normalize_mobile_accepts_legacy_prefixes(typed: str, normalized: str) -> None:
    assert normalize_mobile(typed) == normalized


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("010-123-4567", "8 digits after 010, received 7"),
        ("010-1234-56789", "8 digits after 010, received 9"),
        ("011-12-4567", "7 or 8 digits after 011, received 6"),
        ("015-1234-5678", "015 is not a Korean mobile prefix"),
        ("012-1234-5678", "012 is not a Korean mobile prefix"),
        ("02-1234-5678", "starts with 02"),
        ("+1 202 555 0100", "+82"),
        ("1012345678", "leading 0 seems to be missing"),
    ],
)
def test_normalize_mobile_refuses_with_the_reason(typed: str, fragment: str) -> None:
    error = refusal(normalize_mobile, typed)
    assert fragment in error.message
    assert error.expected.startswith("mobile number")
    assert error.message_ko != error.message


def test_mobile_refusals_do_not_echo_the_number() -> None:
    for typed in ("010-123-4567", "015-9876-5432", "+1 202 555 0100", "9876543210"):
        error = refusal(normalize_mobile, typed)
        for text in (error.message, error.message_ko, error.received):
            assert "4567" not in text and "5432" not in text and "0100" not in text


@pytest.mark.parametrize(
    ("typed", "formatted", "masked"),
    [
        ("01012345678", "010-1234-5678", "010-****-5678"),
        ("+82 10 9876 5432", "010-9876-5432", "010-****-5432"),
        ("011-123-4567", "011-123-4567", "011-***-4567"),
        ("0161234567", "016-123-4567", "016-***-4567"),
        ("019-1234-5678", "019-1234-5678", "019-****-5678"),
    ],
)
def test_format_and_mask_mobile(typed: str, formatted: str, masked: str) -> None:
    assert format_mobile(typed) == formatted
    assert mask_mobile(typed) == masked


def test_mask_mobile_refuses_what_is_not_a_mobile_number() -> None:
    with pytest.raises(IdentifierError):
        mask_mobile("12345674")
    with pytest.raises(IdentifierError):
        format_mobile("")


mobile_numbers = st.one_of(
    st.from_regex(r"\A010[0-9]{8}\Z"),
    st.from_regex(r"\A01[16789][0-9]{7,8}\Z"),
)


@given(mobile_numbers, st.sampled_from(["-", " ", ".", ""]), st.booleans())
def test_mobile_numbers_survive_any_accepted_spelling(
    national: str, separator: str, international: bool
) -> None:
    middle_end = 7 if len(national) == 11 else 6
    blocks = [national[:3], national[3:middle_end], national[middle_end:]]
    if international:
        blocks[0] = "+82" + separator + national[1:3]
    typed = separator.join(blocks)
    assert normalize_mobile(typed) == national
    assert normalize_mobile(format_mobile(national)) == national
    masked = mask_mobile(typed)
    assert masked.startswith(national[:3] + "-")
    assert masked.endswith("-" + national[-4:])
    assert national[3:middle_end] not in masked.replace(national[:3], "", 1)[:-4]


# --------------------------------------------------------------------------- tracking


def test_parse_tracking_no_by_length() -> None:
    assert parse_tracking_no("1234567890123") == ("1234567890123", "postal")
    assert parse_tracking_no("1234-5678-9012") == ("123456789012", "private")
    assert parse_as("tracking", "123456789012") == "123456789012"
    assert recognise("1234567890123") == [Recognition("tracking", "1234567890123")]


@pytest.mark.parametrize("typed", ["12345678901", "12345678901234", "1234567890"])
def test_parse_tracking_no_refuses_other_lengths(typed: str) -> None:
    error = refusal(parse_tracking_no, typed)
    assert "tracking number (12 or 13 digits)" in error.message
    assert error.expected.startswith("tracking number")


def test_tracking_field_refuses_a_mobile_number() -> None:
    error = refusal(parse_tracking_no, "010-1234-5678")
    assert error.message == (
        "Expected a tracking number (12 or 13 digits), received a mobile number"
    )


# --------------------------------------------------------------------------- the 8/11 mix-up


def test_order_number_typed_as_reservation_number() -> None:
    error = refusal(parse_reservation_no, ORDER)
    assert error.message.startswith(
        "Expected a reservation number (8 digits), received an 11-digit order number"
    )
    assert error.message_ko.startswith(
        "예약번호(8자리)를 입력해야 하는데 11자리 주문번호가 입력되었습니다"
    )
    assert error.received == "11-digit order number"
    assert error.expected == "reservation number: 8 digits with a Luhn check digit"
    assert str(error) == error.message
    assert isinstance(error, ValueError)


def test_reservation_number_typed_as_order_number() -> None:
    error = refusal(parse_order_no, RESERVATION)
    assert error.message.startswith(
        "Expected an order number (11 digits), received an 8-digit reservation number"
    )
    assert error.message_ko.startswith(
        "주문번호(11자리)를 입력해야 하는데 8자리 예약번호가 입력되었습니다"
    )
    assert error.received == "8-digit reservation number"
    assert error.expected == "order number: 11 digits with a Luhn check digit"


@given(order_serials)
def test_no_order_number_is_ever_accepted_as_a_reservation_number(serial: int) -> None:
    error = refusal(parse_reservation_no, make_order_no(serial))
    assert "received an 11-digit order number" in error.message


@given(reservation_serials)
def test_no_reservation_number_is_ever_accepted_as_an_order_number(serial: int) -> None:
    error = refusal(parse_order_no, make_reservation_no(serial))
    assert "received an 8-digit reservation number" in error.message


def test_eleven_digits_with_a_bad_check_digit_in_a_reservation_field() -> None:
    error = refusal(parse_reservation_no, "12345678901")
    assert error.message.startswith("Expected a reservation number (8 digits), received 11 digits")
    assert "Order numbers have 11 digits" in error.message


def test_eight_digits_with_a_bad_check_digit_in_an_order_field() -> None:
    error = refusal(parse_order_no, "12345678")
    assert error.message.startswith("Expected an order number (11 digits), received 8 digits")


def test_mobile_number_in_an_order_field_also_reports_the_check_digit() -> None:
    # 01012345678 is a mobile number, or an order number with a typo in it.
    error = refusal(parse_order_no, "01012345678")
    assert error.message.startswith(
        "Expected an order number (11 digits), received a mobile number; "
        "read as an order number, its check digit is wrong"
    )
    assert error.received == "mobile number"


def test_mobile_field_explains_a_mobile_number_with_a_digit_too_many() -> None:
    # 12 digits would fit a private tracking number, but in a mobile field the
    # likelier story is an extra digit.
    assert recognise("010-1234-56789") == [Recognition("tracking", "010123456789")]
    error = refusal(normalize_mobile, "010-1234-56789")
    assert "8 digits after 010, received 9" in error.message


def test_other_kinds_in_a_field_name_both() -> None:
    assert refusal(parse_as, "mobile", RESERVATION).message == (
        "Expected a mobile number (e.g. 010-1234-5678), received an 8-digit reservation number"
    )
    assert refusal(parse_as, "reservation", "010-1234-5678").received == "mobile number"
    assert refusal(parse_as, "reservation", "+82 10 1234 5678").received == "mobile number"
    assert refusal(parse_as, "order", "1234567890123").received == "13-digit tracking number"
    assert refusal(parse_as, "name", RESERVATION).message == (
        "Expected a name, received an 8-digit reservation number"
    )
    error = refusal(parse_as, "reservation", "홍길동")
    assert "received text without any digits" in error.message


# --------------------------------------------------------------------------- check digits


def test_reservation_check_digit_typo() -> None:
    error = refusal(parse_reservation_no, "12345678")
    assert error.message.startswith("Reservation number 12345678 has a wrong check digit")
    assert "the last digit should be 4" in error.message
    assert "check digit is wrong" in error.message
    assert "검증 숫자가 틀렸습니다" in error.message_ko
    assert error.received == "8-digit number with a wrong check digit"
    # recognise explains the same way
    assert refusal(recognise, "12345678").message == error.message


def test_order_check_digit_typo() -> None:
    error = refusal(parse_order_no, "00000000058")
    assert error.message.startswith("Order number 00000000058 has a wrong check digit")
    assert "the last digit should be 9" in error.message


@given(reservation_serials, st.data())
def test_reservation_typos_are_refused_not_silently_accepted(
    serial: int, data: st.DataObject
) -> None:
    number = make_reservation_no(serial)
    index = data.draw(st.integers(min_value=0, max_value=7))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != number[index]]))
    typo = number[:index] + replacement + number[index + 1 :]
    error = refusal(parse_reservation_no, typo)
    assert "check digit is wrong" in error.message
    with pytest.raises(IdentifierError, match="wrong check digit"):
        recognise(typo)


@given(order_serials, st.data())
def test_order_transpositions_are_refused(serial: int, data: st.DataObject) -> None:
    number = make_order_no(serial)
    index = data.draw(st.integers(min_value=0, max_value=9))
    a, b = number[index], number[index + 1]
    assume(a != b and {a, b} != {"0", "9"})
    swapped = number[:index] + b + a + number[index + 2 :]
    with pytest.raises(IdentifierError, match="check digit is wrong"):
        parse_order_no(swapped)


# --------------------------------------------------------------------------- recognise


def test_recognise_reports_every_kind_that_fits() -> None:
    assert recognise("821012345678") == [
        Recognition("mobile", "01012345678"),
        Recognition("tracking", "821012345678"),
    ]
    assert recognise(MOBILE_AND_ORDER) == [
        Recognition("order", MOBILE_AND_ORDER),
        Recognition("mobile", MOBILE_AND_ORDER),
    ]
    # The same digits with a + can only be a phone number.
    assert recognise("+821012345678") == [Recognition("mobile", "01012345678")]
    # A mobile number that is not Luhn-valid is only a mobile number.
    assert not is_luhn_valid("01012345678")
    assert recognise("01012345678") == [Recognition("mobile", "01012345678")]


def test_ambiguous_numbers_are_accepted_by_each_field_they_fit() -> None:
    assert parse_order_no(MOBILE_AND_ORDER) == MOBILE_AND_ORDER
    assert normalize_mobile(MOBILE_AND_ORDER) == MOBILE_AND_ORDER
    assert parse_tracking_no("821012345678") == ("821012345678", "private")
    error = refusal(parse_reservation_no, MOBILE_AND_ORDER)
    assert "received an 11-digit order number or a mobile number" in error.message


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("123456789", "9 digits do not match any identifier"),
        ("1234567890", "10 digits do not match any identifier"),
        ("1234567", "7 digits do not match any identifier"),
        ("1", "1 digit does not match any identifier"),
        ("12345678901234", "14 digits do not match"),
        ("01512345678", "neither a mobile number"),
        ("0101234567", "8 digits after 010, received 7"),
        ("+44 20 7946 0958", "+82"),
    ],
)
def test_recognise_explains_numbers_that_fit_nothing(typed: str, fragment: str) -> None:
    error = refusal(recognise, typed)
    assert fragment in error.message
    assert error.received
    assert error.message_ko


def test_recognise_names_accepted_lengths_for_a_wrong_length() -> None:
    error = refusal(recognise, "123456789")
    for accepted in ("8 digits", "order numbers 11", "10 or 11", "12 or 13"):
        assert accepted in error.message
    assert "one digit more than a reservation number" in error.message


@pytest.mark.parametrize("typed", ["", "   ", "\t\n", "\u3000"])
def test_empty_text_is_refused(typed: str) -> None:
    error = refusal(recognise, typed)
    assert error.received == "empty text"
    assert refusal(parse_reservation_no, typed).message.startswith("Nothing was entered")


def test_text_with_neither_digits_nor_letters_is_refused() -> None:
    assert refusal(recognise, "---").received == "text without digits or letters"
    assert refusal(recognise, "+").received == "text without digits or letters"


# --------------------------------------------------------------------------- refused characters


def test_full_width_digits_are_accepted() -> None:
    assert parse_reservation_no("１２３４５６７４") == RESERVATION
    assert recognise("１２３４－５６７４") == [Recognition("reservation", RESERVATION)]


@pytest.mark.parametrize(
    "typed",
    [
        "١٢٣٤٥٦٧٤",  # Arabic-Indic
        "۱۲۳۴۵۶۷۴",  # Extended Arabic-Indic (Persian)
        "१२३४५६७४",  # Devanagari
        "1234567٤",  # one foreign digit among ASCII ones
    ],
)
def test_digits_of_other_scripts_are_refused(typed: str) -> None:
    for call in (recognise, parse_reservation_no):
        error = refusal(call, typed)
        assert "not one of the digits 0-9" in error.message
        assert "U+" in error.message
        assert "0-9" in error.message_ko


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("1234\x005674", "U+0000 NULL"),
        ("\x0012345674", "U+0000 NULL"),
        ("12345674\x00", "U+0000 NULL"),
        ("1234\x1b5674", "U+001B ESCAPE"),
        ("1234\t5674", "U+0009 TAB"),
        ("1234\u200b5674", "U+200B ZERO WIDTH SPACE"),
        ("\u202e12345674", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ],
)
def test_control_and_invisible_characters_are_refused(typed: str, shown: str) -> None:
    for call in (recognise, parse_reservation_no, normalize_mobile):
        error = refusal(call, typed)
        assert "control character" in error.message
        assert shown in error.message
        for text in (error.message, error.message_ko, error.received, error.expected):
            assert not any(unicodedata.category(ch).startswith("C") for ch in text)


def test_control_characters_in_names_are_refused() -> None:
    with pytest.raises(IdentifierError, match="control character"):
        parse_as("name", "홍길\x00동")
    with pytest.raises(IdentifierError, match="control character"):
        recognise("Kim\x07")


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("1234567O", "the letter 'O' at position 8 (did you mean 0?)"),
        ("l2345674", "the letter 'l' at position 1 (did you mean 1?)"),
        ("010-1234-567x", "the letter 'x' at position 13"),
        ("12345674abc", "3 letters, the first 'a'"),
    ],
)
def test_letters_in_numbers_are_refused(typed: str, fragment: str) -> None:
    error = refusal(recognise, typed)
    assert fragment in error.message
    assert error.received.startswith("number containing the letter")


def test_letters_in_a_number_field_are_refused() -> None:
    error = refusal(parse_reservation_no, "R12345674")
    assert error.message.startswith("The reservation number contains the letter 'R'")
    error = refusal(normalize_mobile, "010-1234-567O")
    assert error.message.startswith("The mobile number contains the letter 'O'")


@pytest.mark.parametrize("typed", ["1234/5674", "(010) 1234-5678", "1234_5674", "010+12345678"])
def test_other_symbols_in_numbers_are_refused(typed: str) -> None:
    error = refusal(recognise, typed)
    assert "contains the character" in error.message


def test_inputs_longer_than_200_characters_are_refused() -> None:
    at_limit = " " * 96 + RESERVATION + " " * 96
    assert len(at_limit) == 200
    assert parse_reservation_no(at_limit) == RESERVATION
    for typed in (at_limit + " ", "1" * 201, "가" * 201, "1" * 10_000):
        for call in (recognise, parse_reservation_no):
            error = refusal(call, typed)
            assert "too long" in error.message
            assert len(error.received) <= 60
    with pytest.raises(IdentifierError, match="too long"):
        parse_as("name", "a" * 201)


def test_input_that_nfkc_expands_past_200_characters_is_refused() -> None:
    typed = "\ufdfa" * 20  # one character that NFKC spells out in 18
    assert len(unicodedata.normalize("NFKC", typed)) > 200
    with pytest.raises(IdentifierError, match="too long"):
        recognise(typed)


@pytest.mark.parametrize("value", [None, 12345674, b"12345674"])
def test_non_text_is_refused_as_an_identifier_error(value: object) -> None:
    error = refusal(parse_reservation_no, value)
    assert "as text" in error.message
    assert error.received.startswith("value of type")


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("홍길동", "홍길동"),
        ("  김 민수  ", "김 민수"),
        ("Anne-Marie O'Brien", "Anne-Marie O'Brien"),
        ("ＫＩＭ", "KIM"),  # NFKC
        ("\u1112\u1169\u11bc", "홍"),  # decomposed Hangul is composed
        ("李", "李"),
    ],
)
def test_names(typed: str, name: str) -> None:
    assert parse_as("name", typed) == name
    assert recognise(typed) == [Recognition("name", name)]


def test_name_length_limits() -> None:
    assert parse_as("name", "가" * 100) == "가" * 100
    error = refusal(parse_as, "name", "가" * 101)
    assert "at most 100 characters" in error.message
    assert refusal(recognise, "a" * 101).expected.startswith("name")


@pytest.mark.parametrize("typed", ["홍길동2", "Kim 3rd", "Kim ٣"])
def test_names_cannot_contain_digits(typed: str) -> None:
    with pytest.raises(IdentifierError, match=r"name cannot contain digits|not one of the digits"):
        parse_as("name", typed)


def test_names_need_a_letter() -> None:
    error = refusal(parse_as, "name", "- . -")
    assert "at least one letter" in error.message
    assert error.message_ko.startswith("이름에는 글자가")


def test_name_field_refuses_numbers() -> None:
    assert refusal(parse_as, "name", "123456789").message == (
        "Expected a name, received a number (9 digits)"
    )
    assert refusal(parse_as, "name", "010-1234-5678").received == "mobile number"


# --------------------------------------------------------------------------- the error itself


def test_labels() -> None:
    assert KIND_LABELS_KO == {
        "reservation": "예약번호",
        "order": "주문번호",
        "mobile": "휴대폰번호",
        "tracking": "운송장번호",
        "name": "이름",
    }
    assert KIND_LABELS_EN["tracking"] == "tracking number"
    assert set(KIND_LABELS_EN) == set(KIND_LABELS_KO)


def test_identifier_error_constructor_and_pickling() -> None:
    error = IdentifierError("Bad", expected="8 digits", received="x\x00" + "y" * 100)
    assert str(error) == error.message == "Bad"
    assert error.message_ko == "Bad"
    assert error.expected == "8 digits"
    assert len(error.received) <= 60
    assert "\x00" not in error.received

    original = refusal(parse_reservation_no, ORDER)
    copy = pickle.loads(pickle.dumps(original))
    assert (copy.message, copy.message_ko, copy.expected, copy.received) == (
        original.message,
        original.message_ko,
        original.expected,
        original.received,
    )


def test_parse_as_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown identifier kind"):
        parse_as("passport", "12345674")  # type: ignore[arg-type]


@given(st.text(max_size=220))
@example("\x00")
@example("٣" * 8)
@example("+")
@example("010-1234-5678\x00")
def test_recognise_only_ever_answers_or_refuses_cleanly(typed: str) -> None:
    try:
        found = recognise(typed)
    except IdentifierError as error:
        assert error.message and error.message_ko and error.expected
        assert 0 < len(error.received) <= 60
        for text in (error.message, error.message_ko, error.received):
            assert not any(unicodedata.category(ch).startswith("C") for ch in text)
        return
    assert found
    for item in found:
        if item.kind == "name":
            continue
        # Every recognised value is accepted by its own field, unchanged.
        assert parse_as(item.kind, typed) == item.value
        assert parse_as(item.kind, item.value) == item.value
