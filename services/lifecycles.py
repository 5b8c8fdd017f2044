"""Every lifecycle as an explicit state machine.

Two kinds of mover use these machines differently:

* a console (a person) may only make a move the machine allows from the current state:
  ``check_move`` refuses anything else with the reason;
* upstream systems report what already happened elsewhere, late, duplicated and out of
  order. ``judge_upstream`` decides what such a report does: a later step is applied even
  when steps in between were skipped (they show as not yet reported), an earlier or
  older one is kept in the history only, and a move the machine cannot make at all is
  rejected. Reports are ordered by (progress rank, upstream time, event key), so the
  status a subject ends in does not depend on the order its events arrived in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal


class TransitionError(ValueError):
    def __init__(self, lifecycle: str, current: str, target: str, reason: str) -> None:
        super().__init__(reason)
        self.lifecycle = lifecycle
        self.current = current
        self.target = target
        self.reason = reason


@dataclass(frozen=True)
class Lifecycle:
    name: str
    initial: str
    moves: dict[str, frozenset[str]]
    # Progress rank: statuses of one rank may follow each other in loops (a failed delivery
    # goes out again); between ranks, progress only goes up.
    rank: dict[str, int]
    labels_ko: dict[str, str]
    labels_en: dict[str, str]
    terminal: frozenset[str] = field(default_factory=frozenset)
    # path()'s answers: ingest asks it for every status report, always the same few pairs
    _paths: dict[tuple[str, str], tuple[str, ...] | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(self.rank)

    def label(self, status: str, lang: str = "ko") -> str:
        labels = self.labels_ko if lang == "ko" else self.labels_en
        return labels.get(status, status)

    def path(self, current: str, target: str) -> tuple[str, ...] | None:
        """Shortest chain of moves from current to target (both included), or None."""
        key = (current, target)
        if key not in self._paths:
            self._paths[key] = self._search(current, target)
        return self._paths[key]

    def _search(self, current: str, target: str) -> tuple[str, ...] | None:
        if current == target:
            return (current,)
        seen = {current: ""}
        queue = deque([current])
        while queue:
            state = queue.popleft()
            for nxt in sorted(self.moves.get(state, ())):
                if nxt in seen:
                    continue
                seen[nxt] = state
                if nxt == target:
                    chain = [nxt]
                    while chain[-1] != current:
                        chain.append(seen[chain[-1]])
                    return tuple(reversed(chain))
                queue.append(nxt)
        return None


def _moves(**edges: tuple[str, ...]) -> dict[str, frozenset[str]]:
    return {state: frozenset(targets) for state, targets in edges.items()}


RESERVATION = Lifecycle(
    name="reservation",
    initial="reserved",
    moves=_moves(reserved=("converted", "cancelled", "expired")),
    rank={"reserved": 0, "converted": 1, "cancelled": 1, "expired": 1},
    labels_ko={
        "reserved": "예약완료",
        "converted": "주문서 작성완료",
        "cancelled": "예약취소",
        "expired": "기간만료",
    },
    labels_en={
        "reserved": "Reserved",
        "converted": "Order form submitted",
        "cancelled": "Reservation cancelled",
        "expired": "Expired",
    },
    terminal=frozenset({"converted", "cancelled", "expired"}),
)

ORDER = Lifecycle(
    name="order",
    initial="draft",
    moves=_moves(
        draft=("received", "cancelled"),
        received=("preparing", "cancelled"),
        preparing=("shipped",),
        shipped=("delivered",),
    ),
    rank={"draft": 0, "received": 1, "preparing": 2, "shipped": 3, "delivered": 4, "cancelled": 9},
    labels_ko={
        "draft": "장바구니",
        "received": "접수완료",
        "preparing": "상품준비중",
        "shipped": "출고완료",
        "delivered": "배송완료",
        "cancelled": "주문취소",
    },
    labels_en={
        "draft": "In cart",
        "received": "Received",
        "preparing": "Preparing",
        "shipped": "Shipped",
        "delivered": "Delivered",
        "cancelled": "Order cancelled",
    },
    terminal=frozenset({"delivered", "cancelled"}),
)

SHIPMENT = Lifecycle(
    name="shipment",
    initial="label_created",
    moves=_moves(
        label_created=("picked_up",),
        picked_up=("in_transit",),
        in_transit=("out_for_delivery", "returned"),
        out_for_delivery=("delivered", "delivery_failed"),
        delivery_failed=("out_for_delivery", "returned"),
    ),
    rank={
        "label_created": 0,
        "picked_up": 1,
        "in_transit": 2,
        "out_for_delivery": 3,
        "delivery_failed": 3,
        "delivered": 5,
        "returned": 6,
    },
    labels_ko={
        "label_created": "송장발행",
        "picked_up": "집하",
        "in_transit": "배송중",
        "out_for_delivery": "배송출발",
        "delivered": "배송완료",
        "delivery_failed": "배송실패",
        "returned": "반송",
    },
    labels_en={
        "label_created": "Label created",
        "picked_up": "Picked up",
        "in_transit": "In transit",
        "out_for_delivery": "Out for delivery",
        "delivered": "Delivered",
        "delivery_failed": "Delivery failed",
        "returned": "Returned",
    },
    terminal=frozenset({"delivered", "returned"}),
)

ACTIVATION = Lifecycle(
    name="activation",
    initial="not_requested",
    moves=_moves(
        not_requested=("requested",),
        requested=("in_progress", "failed"),
        in_progress=("completed", "failed"),
        failed=("requested",),
    ),
    rank={"not_requested": 0, "requested": 1, "in_progress": 1, "failed": 1, "completed": 2},
    labels_ko={
        "not_requested": "미신청",
        "requested": "개통신청",
        "in_progress": "개통중",
        "completed": "개통완료",
        "failed": "개통실패",
    },
    labels_en={
        "not_requested": "Not requested",
        "requested": "Activation requested",
        "in_progress": "Activating",
        "completed": "Activated",
        "failed": "Activation failed",
    },
    terminal=frozenset({"completed"}),
)

CALLBACK = Lifecycle(
    name="callback",
    initial="queued",
    moves=_moves(queued=("claimed", "cancelled"), claimed=("done", "queued", "unreached")),
    rank={"queued": 0, "claimed": 1, "done": 2, "unreached": 2, "cancelled": 2},
    labels_ko={
        "queued": "대기",
        "claimed": "처리중",
        "done": "완료",
        "unreached": "연락불가",
        "cancelled": "취소",
    },
    labels_en={
        "queued": "Queued",
        "claimed": "Claimed",
        "done": "Done",
        "unreached": "Unreached",
        "cancelled": "Cancelled",
    },
    terminal=frozenset({"done", "unreached", "cancelled"}),
)

LIFECYCLES: dict[str, Lifecycle] = {
    lc.name: lc for lc in (RESERVATION, ORDER, SHIPMENT, ACTIVATION, CALLBACK)
}

DELIVERY_METHODS = {"dawn": "새벽배송", "standard": "일반배송", "store_pickup": "매장수령"}
STUCK_CAUSES = ("payment_pending", "stock_shortage", "address_check", "fraud_check", "unknown")
CALLBACK_OUTCOMES = ("resolved", "no_answer", "wrong_number", "cancelled_by_customer")


def check_move(lifecycle: Lifecycle, current: str, target: str) -> None:
    """Refuse, with the reason, any move a person may not make from the current state."""
    if target not in lifecycle.rank:
        raise TransitionError(
            lifecycle.name,
            current,
            target,
            f"{target!r} is not a {lifecycle.name} status; "
            f"expected one of {', '.join(lifecycle.states)}",
        )
    if current == target:
        raise TransitionError(
            lifecycle.name, current, target, f"the {lifecycle.name} is already {current}"
        )
    if target not in lifecycle.moves.get(current, frozenset()):
        allowed = sorted(lifecycle.moves.get(current, frozenset()))
        if allowed:
            tail = f"from {current} it can only become {', '.join(allowed)}"
        else:
            tail = f"{current} is final"
        raise TransitionError(
            lifecycle.name,
            current,
            target,
            f"a {lifecycle.name} cannot go from {current} to {target}: {tail}",
        )


Verdict = Literal["apply", "history_only", "reject"]


@dataclass(frozen=True)
class UpstreamJudgement:
    verdict: Verdict
    skipped: tuple[str, ...] = ()
    reason: str | None = None


def order_key(lifecycle: Lifecycle, status: str, at: datetime, event_key: str) -> tuple:
    return (lifecycle.rank[status], at, event_key)


def judge_upstream(
    lifecycle: Lifecycle,
    current: str,
    current_at: datetime,
    current_key: str,
    target: str,
    target_at: datetime,
    target_key: str,
) -> UpstreamJudgement:
    """What an upstream report of `target` does to a subject now in `current`."""
    if target not in lifecycle.rank:
        return UpstreamJudgement(
            "reject",
            reason=f"{target!r} is not a {lifecycle.name} status; "
            f"expected one of {', '.join(lifecycle.states)}",
        )
    if order_key(lifecycle, target, target_at, target_key) <= order_key(
        lifecycle, current, current_at, current_key
    ):
        return UpstreamJudgement("history_only")
    # A later report of the current status is applied too (its time becomes "since"): in a
    # loop (failed, then requested again) it is a new pass, and order independence needs it.
    chain = lifecycle.path(current, target)
    if chain is None:
        return UpstreamJudgement(
            "reject",
            reason=f"a {lifecycle.name} cannot go from {current} to {target}",
        )
    return UpstreamJudgement("apply", skipped=tuple(chain[1:-1]))
