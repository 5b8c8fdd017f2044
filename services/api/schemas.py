"""Request bodies. Strings are bounded; unknown fields are refused."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from services.identifiers import IdentifierError, parse_order_no
from services.textcheck import contains_nul
from services.timeutil import within_reason

Text40 = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Text100 = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text4000 = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
# JSON numbers and booleans as the document says: false is not a priority, 1.5 or "7" not
# an id (pydantic would convert them; the schema forbids them).
Id = Annotated[int, Field(ge=1, le=2**62, strict=True)]
Flag = Annotated[bool, Field(strict=True)]
# One line of text with something in it: no control characters (the domain refuses them in
# topics and reasons), not only spaces. Declared as a pattern so the OpenAPI document says
# what the server checks.
ONE_LINE = r"^[^\x00-\x1f]*[^\x00-\x1f\s][^\x00-\x1f]*$"
Label40 = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=ONE_LINE)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        # PostgreSQL text cannot hold NUL; refuse it up front rather than fail on write.
        if contains_nul(data):
            raise ValueError("text must not contain NUL bytes")
        return data


class LoginBody(Body):
    username: Annotated[str, StringConstraints(max_length=64)]
    password: Annotated[str, StringConstraints(max_length=200)]


class NoteBody(Body):
    body: Text4000
    reason: Label40 | None = None


class CallbackRequestBody(Body):
    customer_id: Id
    topic: Label40
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None
    not_before: datetime | None = None

    @field_validator("not_before")
    @classmethod
    def _sane_time(cls, value: datetime | None) -> datetime | None:
        return None if value is None else within_reason(value)


class CompleteBody(Body):
    outcome: Literal["resolved", "no_answer", "wrong_number", "cancelled_by_customer"]
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ReassignBody(Body):
    callback_ids: list[Id] = Field(min_length=1, max_length=1000)
    to_agent: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None


class CancelBody(Body):
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class ResendBody(Body):
    override_reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class TriageBody(Body):
    order_nos: list[Annotated[str, StringConstraints(min_length=1, max_length=20)]] = Field(
        min_length=1, max_length=1000
    )
    cause: (
        Literal["payment_pending", "stock_shortage", "address_check", "fraud_check", "unknown"]
        | None
    ) = None
    owner: Annotated[str, StringConstraints(max_length=64)] | None = None
    set_owner: Flag = False

    @field_validator("order_nos")
    @classmethod
    def _order_numbers(cls, values: list[str]) -> list[str]:
        # Typed or pasted by a lead like any other identifier: a reservation number or a
        # check-digit typo is named as such, not reported as "no such order".
        out = []
        for i, value in enumerate(values):
            try:
                out.append(parse_order_no(value))
            except IdentifierError as exc:
                raise ValueError(f"item {i + 1}: {exc.message}") from None
        return out


class IngestBody(BaseModel):
    # Each event is judged on its own (one bad event must not reject its batch), so the
    # items are taken as they come and validated by the ingest engine.
    model_config = ConfigDict(extra="forbid")
    events: list[Any] = Field(max_length=1000)


class NoticeTarget(Body):
    """The segment a notice is meant for; checked against the launch by services.notices."""

    model: Annotated[str, StringConstraints(max_length=100)] | None = None
    delivery_method: Annotated[str, StringConstraints(max_length=40)] | None = None
    order_status: Annotated[str, StringConstraints(max_length=40)] | None = None
    cause: Annotated[str, StringConstraints(max_length=40)] | None = None
    received_from: date | None = None  # Seoul days, inclusive
    received_to: date | None = None


class NoticeBody(Body):
    topic: Text100
    title: Text200
    body: Text4000
    target: NoticeTarget | None = None


class PresenceBody(Body):
    # Shorter than the default only: a console that wants to be forgotten sooner may ask.
    ttl_seconds: int = Field(default=45, ge=5, le=45, strict=True)


class UserBody(Body):
    username: Annotated[str, StringConstraints(min_length=2, max_length=64)]
    role: Literal["agent", "lead", "supervisor", "admin", "integration"]
    password: Annotated[str, StringConstraints(min_length=8, max_length=200)]
    display_name: Text100 | None = None


class RoleBody(Body):
    role: Literal["agent", "lead", "supervisor", "admin", "integration"]


class PasswordBody(Body):
    password: Annotated[str, StringConstraints(min_length=8, max_length=200)]


class DisableBody(Body):
    disabled: Flag = True


class TemplateBody(Body):
    key: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    title: Text200
    body: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class CampaignBody(Body):
    name: Text200
    template_key: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    segment: dict[str, Any] | None = None
    corrects_id: Id | None = None


class ApproveBody(Body):
    override_reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class PriorityBody(Body):
    callback_ids: list[Id] = Field(min_length=1, max_length=1000)
    priority: int = Field(ge=-100, le=100, strict=True)
