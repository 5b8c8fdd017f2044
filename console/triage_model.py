"""The stuck-order list as a lazily loading Qt model: pages come from the backend as the
view scrolls (canFetchMore/fetchMore), so 100,000 rows never means 100,000 of anything."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, Qt, Signal

from console import labels, timefmt
from console.client import BackendClient, BackendError
from console.models import ROW_ROLE, RowsModel
from console.worker import Worker

log = logging.getLogger("launchdesk.console.triage")
Index = QModelIndex | QPersistentModelIndex
PAGE = 200


class StuckOrdersModel(RowsModel):
    loaded = Signal(dict)  # the first page's answer: total, counts_by_cause, as_of
    failed = Signal(str)

    def __init__(self, client: BackendClient, worker: Worker, parent: Any = None) -> None:
        super().__init__(parent)
        self.client = client
        self.worker = worker
        self.total = 0
        self.filters: dict[str, Any] = {"sort": "age"}
        self._loading: asyncio.Task[None] | None = None
        self._generation = 0
        tr = QCoreApplication.translate
        self.columns = [
            (tr("Triage", "Order no."), lambda r: r["order_no"]),
            (tr("Triage", "Customer"), lambda r: r["customer_name"]),
            (tr("Triage", "Model"), lambda r: r["model"]),
            (
                tr("Triage", "Delivery"),
                lambda r: labels.delivery_method(r["delivery_method"]),
            ),
            (tr("Triage", "Received"), lambda r: timefmt.short(r["received_at"])),
            (tr("Triage", "Age (h)"), lambda r: r["age_hours"]),
            (tr("Triage", "Overtaken by"), lambda r: r["overtaken_by"]),
            (tr("Triage", "Cause"), lambda r: labels.cause(r["cause"])),
            (tr("Triage", "Owner"), lambda r: r.get("owner") or ""),
        ]

    # Qt's lazy-loading protocol -----------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        return not parent.isValid() and len(self.rows) < self.total and self._loading is None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self._start(len(self.rows))

    # loading ------------------------------------------------------------------------------

    def reload(self, **filters: Any) -> None:
        """Start over (new filters, or what changed): drop the rows, fetch page one."""
        if filters:
            self.filters = {"sort": "age", **filters}
        self._generation += 1
        if self._loading is not None:
            self._loading.cancel()
            self._loading = None
        self.beginResetModel()
        self.rows = []
        self.total = 0
        self.endResetModel()
        self._start(0)

    def _start(self, offset: int) -> None:
        self._loading = asyncio.ensure_future(self._fetch(offset, self._generation))

    async def _fetch(self, offset: int, generation: int) -> None:
        try:
            body = await self.worker.call(
                self.client.stuck, offset=offset, limit=PAGE, **self.filters
            )
        except BackendError as exc:
            if generation == self._generation:
                self._loading = None
                self.failed.emit(getattr(exc, "message", str(exc)))
            return
        if generation != self._generation:
            return  # the filters changed meanwhile; that answer is for another list
        self._loading = None
        self.total = int(body["total"])
        items = body["items"]
        if items:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(items) - 1)
            self.rows.extend(items)
            self.endInsertRows()
        if offset == 0:
            self.loaded.emit(body)

    def order_nos(self, indexes: list[QModelIndex]) -> list[str]:
        return sorted({self.rows[i.row()]["order_no"] for i in indexes if i.row() < len(self.rows)})

    def row_data(self, index: Index) -> dict[str, Any] | None:
        return index.data(ROW_ROLE)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        # Sorting happens on the server (all rows, not just the loaded pages).
        keys = {5: "age", 4: "age", 2: "model", 7: "cause"}
        key = keys.get(column)
        if key is None:
            return
        if key == "age":
            # oldest first = longest age first
            key = "age" if (order == Qt.SortOrder.DescendingOrder) == (column == 5) else "-age"
        self.reload(**{**self.filters, "sort": key})
