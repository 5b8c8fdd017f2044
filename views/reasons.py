"""Contact reasons, live: the top reasons of the last hour against the hour before (a
table and a chart), the customers behind a reason, and the list a lead extends."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QCoreApplication, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from console import labels, resources, timefmt
from console.client import ApiError, BackendClient, BackendError
from console.models import RowsModel
from console.worker import Worker
from views.widgets import alive

log = logging.getLogger("launchdesk.console.reasons")
CHART_TOP = 8  # reasons drawn in the chart (the table lists them all)
ROLL_MS = 60_000  # the hour moves on even when nobody logs a contact


def reason_label(row: dict[str, Any]) -> str:
    return str(row["label_en"] if labels.english() else row["label"])


def change_text(row: dict[str, Any]) -> str:
    if row["last"] and not row["previous"]:
        return QCoreApplication.translate("Reasons", "new")
    change = int(row["change"])
    return f"+{change}" if change > 0 else ("0" if change == 0 else f"−{-change}")


class ReasonsModel(RowsModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        tr = QCoreApplication.translate
        self.columns = [
            (tr("Reasons", "Reason"), reason_label),
            (tr("Reasons", "Last hour"), lambda r: r["last"]),
            (tr("Reasons", "Hour before"), lambda r: r["previous"]),
            (tr("Reasons", "Change"), change_text),
        ]


class ReasonCustomersModel(RowsModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        tr = QCoreApplication.translate
        self.columns = [
            (tr("Reasons", "Customer"), lambda r: r["name"]),
            (tr("Reasons", "Mobile"), lambda r: r["mobile"]),
            (tr("Reasons", "Contacts"), lambda r: r["contacts"]),
            (tr("Reasons", "Last contact"), lambda r: timefmt.short(r["last_at"])),
        ]


class ReasonsView(QWidget):
    open_customer = Signal(int)
    status_message = Signal(str)

    def __init__(
        self, client: BackendClient, worker: Worker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reasons")
        self.client = client
        self.worker = worker
        self.data: dict[str, Any] | None = None
        self.selected_key: str | None = None
        self.chart_rows: list[dict[str, Any]] = []
        self._build()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self.reload)
        self._roll = QTimer(self)
        self._roll.setInterval(ROLL_MS)
        self._roll.timeout.connect(self.reload)

    def _build(self) -> None:
        self.summary = QLabel()
        self.summary.setObjectName("reasons-summary")
        self.summary.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("action-error")
        self.error.setWordWrap(True)
        self.error.hide()

        self.model = ReasonsModel(self)
        self.table = QTableView()
        self.table.setObjectName("reasons-table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.clicked.connect(self._pick)
        self.table.activated.connect(self._pick)

        self.chart = QChart()
        self.chart.setTitle(self.tr("Top contact reasons: last hour against the hour before"))
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        resources.style_chart(self.chart)
        chart_view = QChartView(self.chart)
        chart_view.setObjectName("reasons-chart")
        chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        chart_view.setMinimumHeight(260)

        self.customers_title = QLabel(self.tr("Select a reason to see the customers behind it"))
        self.customers_title.setObjectName("reason-customers-title")
        self.customers_model = ReasonCustomersModel(self)
        self.customers = QTableView()
        self.customers.setObjectName("reason-customers")
        self.customers.setModel(self.customers_model)
        self.customers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.customers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.customers.verticalHeader().hide()
        self.customers.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.customers.horizontalHeader().setStretchLastSection(True)
        self.customers.doubleClicked.connect(self._open)
        self.customers.activated.connect(self._open)
        self.customers.setToolTip(self.tr("Double-click opens the customer"))

        self.new_key = QLineEdit()
        self.new_key.setObjectName("reason-key")
        self.new_key.setPlaceholderText(self.tr("key, e.g. esim_transfer"))
        self.new_label = QLineEdit()
        self.new_label.setObjectName("reason-label")
        self.new_label.setPlaceholderText(self.tr("Korean label"))
        self.new_label_en = QLineEdit()
        self.new_label_en.setObjectName("reason-label-en")
        self.new_label_en.setPlaceholderText(self.tr("English label (optional)"))
        add = QPushButton(self.tr("Add reason"))
        add.setObjectName("add-reason")
        add.clicked.connect(self.add_reason)
        self.retire_button = QPushButton(self.tr("Retire selected"))
        self.retire_button.setObjectName("retire-reason")
        self.retire_button.setToolTip(self.tr("Take a reason a lead added off the list"))
        self.retire_button.clicked.connect(self.retire_selected)
        extend = QGroupBox(self.tr("Extend the list"))
        row = QHBoxLayout(extend)
        for w in (self.new_key, self.new_label, self.new_label_en, add, self.retire_button):
            row.addWidget(w)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(chart_view, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.customers_title)
        right_layout.addWidget(self.customers, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([640, 480])
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addWidget(split, 1)
        layout.addWidget(extend)

    # --- loading -----------------------------------------------------------------------

    def start(self) -> None:
        self._roll.start()
        self.reload()

    def stop(self) -> None:
        self._timer.stop()
        self._roll.stop()

    def schedule_reload(self) -> None:
        self._timer.start()

    @asyncSlot()
    async def reload(self) -> None:
        await self._load()

    async def _load(self) -> None:
        try:
            body = await self.worker.call(self.client.top_reasons)
        except BackendError:
            return
        if not alive(self):
            return
        self.data = body
        self.model.set_rows(body["reasons"])
        self.summary.setText(
            self.tr("Last hour: %1 contacts (the hour before: %2) — as of %3")
            .replace("%1", str(body["total_last"]))
            .replace("%2", str(body["total_previous"]))
            .replace("%3", timefmt.clock(body["as_of"]))
        )
        self._draw(body["reasons"])
        if self.selected_key is not None:
            for i, r in enumerate(self.model.rows):
                if r["key"] == self.selected_key:
                    self.table.selectRow(i)
            await self._load_customers(self.selected_key)

    def _draw(self, rows: list[dict[str, Any]]) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        # the busiest at the top: a horizontal bar chart draws its first category lowest
        top = [r for r in rows if r["last"] or r["previous"]][:CHART_TOP][::-1]
        self.chart_rows = top
        before = QBarSet(self.tr("Hour before"))
        last = QBarSet(self.tr("Last hour"))
        for r in top:
            before.append(r["previous"])
            last.append(r["last"])
        series = QHorizontalBarSeries()
        series.append(before)
        series.append(last)
        self.chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.setTruncateLabels(False)  # a reason's name is the point of the chart
        categories.append([reason_label(r) for r in top] or [""])
        values = QValueAxis()
        values.setLabelFormat("%d")
        values.setMin(0)
        values.setMax(max([1] + [max(r["last"], r["previous"]) for r in top]))
        self.chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        self.chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(categories)
        series.attachAxis(values)

    @asyncSlot()
    async def _pick(self, index: QModelIndex) -> None:
        row = self.model.row(index)
        if row:
            self.selected_key = row["key"]
            await self._load_customers(row["key"])

    async def show_reason(self, key: str) -> None:
        """Select a reason and list the customers behind it."""
        self.selected_key = key
        for i, r in enumerate(self.model.rows):
            if r["key"] == key:
                self.table.selectRow(i)
        await self._load_customers(key)

    async def _load_customers(self, key: str) -> None:
        try:
            body = await self.worker.call(self.client.reason_customers, key)
        except BackendError as exc:
            self._show_error(getattr(exc, "message", str(exc)))
            return
        if not alive(self) or key != self.selected_key:
            return
        label = next((reason_label(r) for r in self.model.rows if r["key"] == key), key)
        self.customers_title.setText(
            self.tr("Customers who got in touch about “%1” in the last hour: %2")
            .replace("%1", label)
            .replace("%2", str(len(body["customers"])))
        )
        self.customers_model.set_rows(body["customers"])

    def _open(self, index: QModelIndex) -> None:
        row = self.customers_model.row(index)
        if row:
            self.open_customer.emit(int(row["customer_id"]))

    # --- the list ----------------------------------------------------------------------

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    async def _act(self, call: Any, done: str) -> bool:
        self.error.hide()
        try:
            await self.worker.call(call)
        except ApiError as exc:
            self._show_error(exc.message)
            return False
        except BackendError as exc:
            self._show_error(str(exc))
            return False
        self.status_message.emit(done)
        await self._load()
        return True

    @asyncSlot()
    async def add_reason(self) -> None:
        key = self.new_key.text().strip()
        label = self.new_label.text().strip()
        label_en = self.new_label_en.text().strip() or None
        if not key or not label:
            self._show_error(self.tr("A new reason needs a key and a Korean label."))
            return
        if await self._act(
            lambda: self.client.add_contact_reason(key, label, label_en),
            self.tr("Reason added: %1").replace("%1", label),
        ):
            for field in (self.new_key, self.new_label, self.new_label_en):
                field.clear()

    @asyncSlot()
    async def retire_selected(self) -> None:
        rows = [self.model.rows[i.row()] for i in self.table.selectionModel().selectedRows()]
        if not rows:
            return
        key = rows[0]["key"]
        await self._act(
            lambda: self.client.retire_contact_reason(key),
            self.tr("Reason retired: %1").replace("%1", reason_label(rows[0])),
        )
