"""Qt item models over plain lists the backend returned."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from console import labels, timefmt

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


class RowsModel(QAbstractTableModel):
    """A table over a list of dicts; columns are (title, function of the row)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        self.columns: list[tuple[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.columns[index.column()][1](row)
            return "" if value is None else str(value)
        if role == ROW_ROLE:
            return row
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(self.columns):
            return self.columns[section][0]
        return None

    def row(self, index: Index) -> dict[str, Any] | None:
        return self.rows[index.row()] if index.isValid() and index.row() < len(self.rows) else None


def _kind_label(kind: str) -> str:
    names = {
        "reservation": QCoreApplication.translate("Kinds", "Reservation no."),
        "order": QCoreApplication.translate("Kinds", "Order no."),
        "mobile": QCoreApplication.translate("Kinds", "Mobile"),
        "tracking": QCoreApplication.translate("Kinds", "Tracking no."),
        "name": QCoreApplication.translate("Kinds", "Name"),
    }
    return names.get(kind, kind)


class SearchResultsModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.matches: list[dict[str, Any]] = []

    def set_matches(self, matches: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.matches = list(matches)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.matches)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.matches)):
            return None
        match = self.matches[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"[{_kind_label(match['kind'])}] {match['label']}"
        if role == ROW_ROLE:
            return match
        return None


class TimelineModel(RowsModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = [
            (QCoreApplication.translate("Timeline", "When"), lambda r: timefmt.short(r.get("at"))),
            (QCoreApplication.translate("Timeline", "What"), _timeline_what),
            (QCoreApplication.translate("Timeline", "Who"), lambda r: r.get("actor")),
            (QCoreApplication.translate("Timeline", "Detail"), lambda r: r.get("detail") or ""),
        ]


def _timeline_what(row: dict[str, Any]) -> str:
    if row["type"] == "note":
        reason = labels.topic(row.get("reason"))
        return QCoreApplication.translate("Timeline", "Note") + (f" ({reason})" if reason else "")
    if row["type"] == "message":
        return (
            QCoreApplication.translate("Timeline", "SMS")
            + f" · {labels.message_status(row.get('status'))}"
        )
    text = f"{row.get('subject_label', '')} → {row.get('label', '')}"
    if row.get("effect") == "not_reported":
        text += " " + QCoreApplication.translate("Timeline", "(not yet reported)")
    elif row.get("effect") == "history_only":
        text += " " + QCoreApplication.translate("Timeline", "(reported late)")
    return text


def stuck_text(row: dict[str, Any]) -> str:
    """An open callback's customer's stuck order: how long it waits, overtaken, its cause."""
    stuck = row.get("stuck")
    if not stuck:
        return ""
    tr = QCoreApplication.translate
    parts = [tr("Callbacks", "%1 h in received").replace("%1", f"{stuck['age_hours']:.0f}")]
    if stuck.get("overtaken"):
        parts.append(tr("Callbacks", "overtaken"))
    parts.append(labels.cause(stuck.get("cause")))
    if stuck.get("orders", 1) > 1:
        parts.append(tr("Callbacks", "%1 orders").replace("%1", str(stuck["orders"])))
    return " · ".join(parts)


class CallbacksModel(RowsModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = [
            (QCoreApplication.translate("Callbacks", "No."), lambda r: r["id"]),
            (QCoreApplication.translate("Callbacks", "Topic"), lambda r: labels.topic(r["topic"])),
            (QCoreApplication.translate("Callbacks", "Status"), labels.status),
            (QCoreApplication.translate("Callbacks", "Stuck order"), stuck_text),
            (
                QCoreApplication.translate("Callbacks", "Due"),
                lambda r: timefmt.short(r.get("not_before")),
            ),
            (QCoreApplication.translate("Callbacks", "Attempts"), lambda r: r.get("attempts", 0)),
            (
                QCoreApplication.translate("Callbacks", "Agent"),
                lambda r: r.get("claimed_by") or r.get("assigned_to") or "",
            ),
        ]
