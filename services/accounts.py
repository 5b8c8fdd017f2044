"""Accounts, roles, login and bearer tokens.

Tokens are random and opaque; only their SHA-256 is stored, so a copy of the database
does not hand out sessions. Failed logins are counted in the database, not in memory, so
the limit holds across several serve processes.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.audit import audit
from services.config import SETTINGS
from services.errors import Conflict, Invalid, NotFound, TooManyRequests, Unauthorized
from services.models import AuthSession, LoginAttempt, User
from services.timeutil import as_utc, utcnow

ROLES = ("agent", "lead", "supervisor", "admin", "integration")
# Supervisor includes lead, lead includes agent. Admin and integration stand apart.
_STAFF_RANK = {"agent": 1, "lead": 2, "supervisor": 3}

# argon2id; the cost is deployment configuration (a test run may lower it to stay fast).
_hasher = PasswordHasher(
    time_cost=int(os.environ.get("LAUNCHDESK_ARGON2_TIME_COST", "3")),
    memory_cost=int(os.environ.get("LAUNCHDESK_ARGON2_MEMORY_KIB", "65536")),
)
# Verifying against this when the user does not exist keeps the response time the same,
# so timing does not tell which user names exist.
_DUMMY_HASH = _hasher.hash("launchdesk-dummy-password")


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: str
    display_name: str

    def has(self, role: str) -> bool:
        return role_allows(self.role, role)


def role_allows(actual: str, required: str) -> bool:
    if required in _STAFF_RANK:
        return _STAFF_RANK.get(actual, 0) >= _STAFF_RANK[required]
    return actual == required


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_username(name: str) -> str:
    name = (name or "").strip()
    if not (2 <= len(name) <= 64) or not all(c.isalnum() or c in "._-" for c in name):
        raise Invalid(
            f"user name must be 2-64 letters, digits, '.', '_' or '-'; received {name[:64]!r}"
        )
    return name


def _check_password(password: str) -> str:
    if not isinstance(password, str) or not (8 <= len(password) <= 200) or "\x00" in password:
        raise Invalid("password must be 8-200 characters")
    return password


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}; received {role!r}")
    return role


def add_user(
    session: Session,
    *,
    username: str,
    role: str,
    password: str,
    display_name: str | None = None,
    actor: str = "system",
) -> User:
    username = _check_username(username)
    _check_role(role)
    _check_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} already exists", code="user_exists")
    user = User(
        username=username,
        role=role,
        display_name=(display_name or username)[:100],
        password_hash=_hasher.hash(password),
        disabled=False,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit(
        session,
        actor=actor,
        action="user.add",
        entity="user",
        entity_id=user.id,
        before=None,
        after={"username": username, "role": role},
    )
    return user


def get_user(session: Session, username: str) -> User:
    if not (1 <= len(username) <= 64) or any(ord(c) < 32 for c in username):
        raise NotFound(f"no user named {username[:64]!r}", code="user_not_found")
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}", code="user_not_found")
    return user


def set_role(session: Session, *, username: str, role: str, actor: str = "system") -> User:
    _check_role(role)
    user = get_user(session, username)
    before = {"role": user.role}
    user.role = role
    audit(
        session,
        actor=actor,
        action="user.set_role",
        entity="user",
        entity_id=user.id,
        before=before,
        after={"role": role},
    )
    _revoke_all(session, user.id)
    return user


def reset_password(
    session: Session, *, username: str, password: str, actor: str = "system"
) -> User:
    _check_password(password)
    user = get_user(session, username)
    user.password_hash = _hasher.hash(password)
    # Never the password itself, nor its hash, in the audit log.
    audit(
        session,
        actor=actor,
        action="user.reset_password",
        entity="user",
        entity_id=user.id,
        before=None,
        after={"password": "changed"},
    )
    _revoke_all(session, user.id)
    return user


def set_disabled(session: Session, *, username: str, disabled: bool, actor: str = "system") -> User:
    user = get_user(session, username)
    before = {"disabled": user.disabled}
    user.disabled = disabled
    audit(
        session,
        actor=actor,
        action="user.disable" if disabled else "user.enable",
        entity="user",
        entity_id=user.id,
        before=before,
        after={"disabled": disabled},
    )
    if disabled:
        _revoke_all(session, user.id)
    return user


def _revoke_all(session: Session, user_id: int) -> None:
    now = utcnow()
    for row in session.scalars(
        select(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    ):
        row.revoked_at = now


def login(session: Session, *, username: str, password: str, remote: str) -> tuple[str, User]:
    """Check credentials; on success a new token (returned once, stored hashed)."""
    now = utcnow()
    username = (username or "")[:64]
    since = now - SETTINGS.login_window
    failures = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.username == username,
            LoginAttempt.success.is_(False),
            LoginAttempt.at >= since,
        )
    )
    if (failures or 0) >= SETTINGS.login_max_failures:
        raise TooManyRequests(
            f"too many failed logins for {username!r}; try again in "
            f"{int(SETTINGS.login_window.total_seconds() // 60)} minutes",
            code="login_rate_limited",
        )
    user = session.scalar(select(User).where(User.username == username))
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        ok = False
    ok = ok and user is not None and not user.disabled
    session.add(LoginAttempt(username=username, remote=remote[:64], success=ok, at=now))
    if not ok or user is None:
        raise Unauthorized("wrong user name or password", code="bad_credentials")
    token = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            token_hash=hash_token(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + SETTINGS.token_ttl,
        )
    )
    return token, user


def authenticate(session: Session, token: str) -> Principal:
    row = session.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.token_hash == hash_token(token))
    ).first()
    if row is None:
        raise Unauthorized("unknown token; log in again", code="bad_token")
    auth, user = row
    if auth.revoked_at is not None:
        raise Unauthorized("this session was logged out; log in again", code="token_revoked")
    if as_utc(auth.expires_at) <= utcnow():
        raise Unauthorized("this session has expired; log in again", code="token_expired")
    if user.disabled:
        raise Unauthorized("this account is disabled", code="account_disabled")
    return Principal(user.id, user.username, user.role, user.display_name)


def logout(session: Session, token: str) -> None:
    auth = session.scalar(select(AuthSession).where(AuthSession.token_hash == hash_token(token)))
    if auth is not None and auth.revoked_at is None:
        auth.revoked_at = utcnow()


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))
