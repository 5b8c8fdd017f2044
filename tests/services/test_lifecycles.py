from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.lifecycles import (
    ACTIVATION,
    LIFECYCLES,
    ORDER,
    RESERVATION,
    SHIPMENT,
    TransitionError,
    check_move,
    judge_upstream,
)

ALLOWED = {
    "reservation": {("reserved", "converted"), ("reserved", "cancelled"), ("reserved", "expired")},
    "order": {
        ("draft", "received"),
        ("draft", "cancelled"),
        ("received", "preparing"),
        ("received", "cancelled"),
        ("preparing", "shipped"),
        ("shipped", "delivered"),
    },
    "shipment": {
        ("label_created", "picked_up"),
        ("picked_up", "in_transit"),
        ("in_transit", "out_for_delivery"),
        ("in_transit", "returned"),
        ("out_for_delivery", "delivered"),
        ("out_for_delivery", "delivery_failed"),
        ("delivery_failed", "out_for_delivery"),
        ("delivery_failed", "returned"),
    },
    "activation": {
        ("not_requested", "requested"),
        ("requested", "in_progress"),
        ("requested", "failed"),
        ("in_progress", "completed"),
        ("in_progress", "failed"),
        ("failed", "requested"),
    },
    "callback": {
        ("queued", "claimed"),
        ("queued", "cancelled"),
        ("claimed", "done"),
        ("claimed", "queued"),
        ("claimed", "unreached"),
    },
}

PAIRS = [(name, a, b) for name, lc in LIFECYCLES.items() for a in lc.states for b in lc.states]


@pytest.mark.parametrize(("name", "current", "target"), PAIRS)
def test_every_move_is_allowed_or_refused_with_its_reason(
    name: str, current: str, target: str
) -> None:
    lc = LIFECYCLES[name]
    if (current, target) in ALLOWED[name]:
        check_move(lc, current, target)
        return
    with pytest.raises(TransitionError) as caught:
        check_move(lc, current, target)
    reason = caught.value.reason
    assert current in reason and name in reason
    assert caught.value.current == current and caught.value.target == target


def test_order_cancel_reason_names_what_is_allowed() -> None:
    with pytest.raises(TransitionError, match="from preparing it can only become shipped"):
        check_move(ORDER, "preparing", "cancelled")
    with pytest.raises(TransitionError, match="delivered is final"):
        check_move(ORDER, "delivered", "cancelled")


def test_unknown_status_is_refused() -> None:
    with pytest.raises(TransitionError, match=r"is not a order status"):
        check_move(ORDER, "received", "teleported")


T0 = datetime(2026, 11, 20, tzinfo=UTC)


def judge(lc, current, target, *, current_dt=0, target_dt=1):
    return judge_upstream(
        lc,
        current,
        T0 + timedelta(hours=current_dt),
        "a",
        target,
        T0 + timedelta(hours=target_dt),
        "b",
    )


def test_upstream_forward_skip_is_applied_with_skipped_steps() -> None:
    verdict = judge(SHIPMENT, "label_created", "delivered")
    assert verdict.verdict == "apply"
    assert verdict.skipped == ("picked_up", "in_transit", "out_for_delivery")


def test_upstream_late_event_never_regresses() -> None:
    assert judge(ORDER, "shipped", "received", current_dt=5, target_dt=1).verdict == "history_only"
    # even a *newer* report of an earlier stage does not move the order back
    assert judge(ORDER, "shipped", "received", current_dt=1, target_dt=5).verdict == "history_only"


def test_upstream_loops_are_ordered_by_time() -> None:
    # a failed delivery goes out again: same rank, the later report wins
    assert (
        judge(SHIPMENT, "delivery_failed", "out_for_delivery", current_dt=1, target_dt=2).verdict
        == "apply"
    )
    assert (
        judge(SHIPMENT, "out_for_delivery", "delivery_failed", current_dt=2, target_dt=1).verdict
        == "history_only"
    )
    assert judge(ACTIVATION, "failed", "requested", current_dt=1, target_dt=2).verdict == "apply"


def test_upstream_impossible_move_is_rejected() -> None:
    verdict = judge(ORDER, "preparing", "cancelled")
    assert verdict.verdict == "reject"
    assert "preparing" in (verdict.reason or "")
    assert judge(RESERVATION, "converted", "cancelled").verdict == "reject"
