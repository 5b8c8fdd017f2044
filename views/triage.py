"""The lead's triage workspace: stuck and overtaken orders, by cause and age, in bulk."""

from __future__ import annotations

import csv
import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from console import labels, resources, timefmt
from console.client import BackendClient, BackendError
from console.models import RowsModel
from console.triage_model import StuckOrdersModel
from console.worker import Worker
from views.widgets import alive

log = logging.getLogger("launchdesk.console.triage")


class TriageView(QWidget):
    open_customer = Signal(int)
    status_message = Signal(str)

    def __init__(
        self, client: BackendClient, worker: Worker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("triage")
        self.client = client
        self.worker = worker
        self.model = StuckOrdersModel(client, worker, self)
        self.last_campaign: dict[str, Any] | None = None
        self._build()
        self._topics_timer = QTimer(self)
        self._topics_timer.setSingleShot(True)
        self._topics_timer.setInterval(500)
        self._topics_timer.timeout.connect(self.refresh_topics)
        self.model.loaded.connect(self._on_loaded)
        self.model.failed.connect(self._show_error)

    def _build(self) -> None:
        self._loaded_at = 0.0
        self.cause = QComboBox()
        self.cause.addItem(self.tr("All causes"), None)
        for code in labels.CAUSES:
            self.cause.addItem(labels.cause(code), code)
        self.model_filter = QLineEdit()
        self.model_filter.setPlaceholderText(self.tr("Model (exact)"))
        self.method = QComboBox()
        self.method.addItem(self.tr("All delivery methods"), None)
        for code in labels.DELIVERY_METHODS:
            self.method.addItem(labels.delivery_method(code), code)
        self.min_age = QSpinBox()
        self.min_age.setObjectName("min-age")
        self.min_age.setRange(0, 2160)
        self.min_age.setSingleStep(12)
        self.min_age.setPrefix(self.tr("older than "))
        self.min_age.setSuffix(self.tr(" h"))
        self.min_age.setSpecialValueText(self.tr("any age"))
        self.min_age.setToolTip(self.tr("Only orders received at least this many hours ago"))
        apply = QPushButton(self.tr("Apply filter"))
        apply.clicked.connect(self.apply_filter)
        self.model_filter.returnPressed.connect(self.apply_filter)
        filters = QHBoxLayout()
        for w in (
            QLabel(self.tr("Cause")),
            self.cause,
            self.model_filter,
            self.method,
            self.min_age,
            apply,
        ):
            filters.addWidget(w)
        filters.addStretch(1)

        self.summary = QLabel()
        self.summary.setObjectName("triage-summary")
        self.summary.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("action-error")
        self.error.hide()
        # Orders move all day; the list does not reorder itself under a lead who is
        # selecting rows: it says so, and reloads when asked.
        self.changed_note = QLabel(self.tr("Orders have changed since this list was loaded."))
        self.changed_note.setObjectName("triage-changed")
        reload_button = QPushButton(self.tr("Reload list"))
        reload_button.setObjectName("triage-reload")
        reload_button.clicked.connect(self.apply_filter)
        changed = QHBoxLayout()
        changed.addWidget(self.changed_note)
        changed.addWidget(reload_button)
        changed.addStretch(1)
        self.changed_bar = QWidget()
        self.changed_bar.setLayout(changed)
        self.changed_bar.hide()

        self.table = QTableView()
        self.table.setObjectName("stuck-orders")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(5, Qt.SortOrder.DescendingOrder)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(self._open)

        self.set_cause = QComboBox()
        for code in labels.CAUSES:
            self.set_cause.addItem(labels.cause(code), code)
        cause_button = QPushButton(self.tr("Set cause"))
        cause_button.clicked.connect(self.apply_cause)
        self.owner = QLineEdit()
        self.owner.setPlaceholderText(self.tr("Owner (user name)"))
        owner_button = QPushButton(self.tr("Set owner"))
        owner_button.clicked.connect(self.apply_owner)
        callbacks_button = QPushButton(self.tr("Queue callbacks"))
        callbacks_button.setToolTip(
            self.tr("Queue a proactive callback for each selected customer")
        )
        callbacks_button.clicked.connect(self.queue_callbacks)
        self.template = QComboBox()
        campaign_button = QPushButton(self.tr("Start campaign"))
        campaign_button.setToolTip(
            self.tr("Prepare a message to the selected customers (a supervisor approves it)")
        )
        campaign_button.clicked.connect(self.start_campaign)
        export_button = QPushButton(self.tr("Export CSV…"))
        export_button.clicked.connect(self.export_csv)
        bulk = QHBoxLayout()
        for w in (
            self.set_cause,
            cause_button,
            self.owner,
            owner_button,
            callbacks_button,
            self.template,
            campaign_button,
        ):
            bulk.addWidget(w)
        bulk.addStretch(1)
        bulk.addWidget(export_button)

        self.chart = QChart()
        self.chart.setTitle(self.tr("Orders waiting in received, by age"))
        self.chart.legend().hide()
        resources.style_chart(self.chart)
        chart_view = QChartView(self.chart)
        chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        chart_view.setMinimumHeight(180)

        self.contradictions_model = RowsModel(self)
        self.contradictions_model.columns = [
            (self.tr("Detected"), lambda r: timefmt.short(r["detected_at"])),
            (self.tr("Order no."), lambda r: r["order_no"]),
            (self.tr("Kind"), lambda r: r["kind"]),
            (self.tr("Detail"), lambda r: r["detail"]),
        ]
        self.contradictions = QTableView()
        self.contradictions.setObjectName("contradictions")
        self.contradictions.setModel(self.contradictions_model)
        self.contradictions.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.contradictions.horizontalHeader().setStretchLastSection(True)
        self.contradictions.verticalHeader().hide()
        self.contradictions.doubleClicked.connect(self._open_contradiction)

        stuck_page = QWidget()
        stuck_layout = QVBoxLayout(stuck_page)
        stuck_layout.addLayout(filters)
        stuck_layout.addWidget(self.summary)
        stuck_layout.addWidget(self.changed_bar)
        stuck_layout.addWidget(self.error)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(chart_view)
        split.setSizes([600, 200])
        stuck_layout.addWidget(split, 1)
        stuck_layout.addLayout(bulk)
        tabs = QTabWidget()
        tabs.addTab(stuck_page, self.tr("Stuck orders"))
        tabs.addTab(self.contradictions, self.tr("Contradictions"))
        tabs.addTab(self._waiting_page(), self.tr("Waiting for a callback"))
        tabs.currentChanged.connect(lambda _i: self.refresh_topics())
        self.tabs = tabs
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(tabs)

    def _waiting_page(self) -> QWidget:
        """The customers waiting for a callback, per topic: message exactly them."""
        self.topics_model = RowsModel(self)
        self.topics_model.columns = [
            (self.tr("Topic"), lambda r: labels.topic(r["topic"])),
            (self.tr("Waiting for a callback"), lambda r: r["open"]),
            (self.tr("With an order in received"), lambda r: r["waiting"]),
            (self.tr("Stuck over 24 h"), lambda r: r["stuck"]),
        ]
        self.topics = QTableView()
        self.topics.setObjectName("callback-topics")
        self.topics.setModel(self.topics_model)
        self.topics.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.topics.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.topics.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.topics.verticalHeader().hide()
        self.topics.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.waiting_hours = QSpinBox()
        self.waiting_hours.setObjectName("waiting-hours")
        self.waiting_hours.setRange(0, 1440)
        self.waiting_hours.setSuffix(self.tr(" h"))
        self.waiting_hours.setSpecialValueText(self.tr("any"))
        self.waiting_hours.setToolTip(
            self.tr("Only customers whose oldest order has waited in received this long")
        )
        self.waiting_template = QComboBox()
        self.waiting_template.setObjectName("waiting-template")
        waiting_campaign = QPushButton(self.tr("Prepare campaign to these customers"))
        waiting_campaign.setObjectName("waiting-campaign")
        waiting_campaign.setToolTip(
            self.tr(
                "A message to exactly the customers waiting for a callback on the selected "
                "topic (a supervisor approves it)"
            )
        )
        waiting_campaign.clicked.connect(self.campaign_to_waiting)
        row = QHBoxLayout()
        for w in (
            QLabel(self.tr("Order waiting at least")),
            self.waiting_hours,
            self.waiting_template,
            waiting_campaign,
        ):
            row.addWidget(w)
        row.addStretch(1)
        self.waiting_error = QLabel()
        self.waiting_error.setObjectName("action-error")
        self.waiting_error.setWordWrap(True)
        self.waiting_error.hide()
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.topics, 1)
        layout.addWidget(self.waiting_error)
        layout.addLayout(row)
        return page

    def schedule_topics(self) -> None:
        """Callbacks changed (the feed said so): recount the topics shortly."""
        self._topics_timer.start()

    @asyncSlot()
    async def refresh_topics(self) -> None:
        try:
            body = await self.worker.call(self.client.callback_topics)
        except BackendError:
            return
        if not alive(self):
            return
        selected = self._selected_topic()
        self.topics_model.set_rows(body["topics"])
        for i, r in enumerate(self.topics_model.rows):
            if r["topic"] == selected:
                self.topics.selectRow(i)

    def _selected_topic(self) -> str | None:
        rows = self.topics.selectionModel().selectedRows() if self.topics.selectionModel() else []
        return self.topics_model.rows[rows[0].row()]["topic"] if rows else None

    @asyncSlot()
    async def campaign_to_waiting(self) -> None:
        topic = self._selected_topic()
        template = self.waiting_template.currentData()
        if not topic or not template:
            self.waiting_error.setText(self.tr("Select a topic and a message template first."))
            self.waiting_error.show()
            return
        segment: dict[str, Any] = {"kind": "callback_topic", "topic": topic}
        if self.waiting_hours.value():
            segment["min_waiting_hours"] = self.waiting_hours.value()
        try:
            created = await self.worker.call(
                self.client.create_campaign,
                f"waiting for a callback: {topic} {timefmt.short(None)}",
                template,
                segment,
            )
        except BackendError as exc:
            self.waiting_error.setText(getattr(exc, "message", str(exc)))
            self.waiting_error.show()
            return
        self.waiting_error.hide()
        self.last_campaign = created
        self.status_message.emit(
            self.tr(
                "Campaign #%1 prepared for the %2 customers waiting for a callback about %3; "
                "a supervisor approves it before anything is sent."
            )
            .replace("%1", str(created["id"]))
            .replace("%2", str(created["recipient_count"]))
            .replace("%3", labels.topic(topic))
        )

    # --- loading -----------------------------------------------------------------------

    def start(self) -> None:
        self.model.reload()
        self.refresh_side()

    @asyncSlot()
    async def refresh_side(self) -> None:
        try:
            aging = await self.worker.call(self.client.aging)
            found = await self.worker.call(self.client.contradictions)
            templates = await self.worker.call(self.client.templates)
        except BackendError:
            return
        if not alive(self):
            return
        self._draw_aging(aging["buckets"])
        self.contradictions_model.set_rows(found["items"])
        for combo in (self.template, self.waiting_template):
            current = combo.currentData()
            combo.clear()
            for t in templates["templates"]:
                combo.addItem(t["title"], t["key"])
            if current:
                combo.setCurrentIndex(max(0, combo.findData(current)))
        self.refresh_topics()

    def _draw_aging(self, buckets: list[dict[str, Any]]) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        bars = QBarSet(self.tr("Orders"))
        for b in buckets:
            bars.append(b["count"])
        series = QBarSeries()
        series.append(bars)
        self.chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([b["label"] for b in buckets])
        values = QValueAxis()
        values.setLabelFormat("%d")
        self.chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(categories)
        series.attachAxis(values)
        self.aging_counts = [b["count"] for b in buckets]

    def orders_changed(self) -> None:
        """The change feed reported order changes: offer a reload (see changed_bar).

        Changes arriving within a few seconds of a load are most likely the lead's own
        action, which the load already shows.
        """
        if time.monotonic() - self._loaded_at > 3.0:
            self.changed_bar.show()

    def _on_loaded(self, body: dict[str, Any]) -> None:
        if body.get("offset", 0) == 0:
            self._loaded_at = time.monotonic()
            self.changed_bar.hide()
        counts = ", ".join(f"{labels.cause(k)} {v:,}" for k, v in body["counts_by_cause"].items())
        self.summary.setText(
            self.tr("%1 stuck orders (received over %2 h, or overtaken) — by cause: %3 — as of %4")
            .replace("%1", f"{body['total']:,}")
            .replace("%2", f"{body['threshold_hours']:g}")
            .replace("%3", counts)
            .replace("%4", timefmt.clock(body["as_of"]))
        )
        self.error.hide()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def apply_filter(self) -> None:
        self.model.reload(
            cause=self.cause.currentData(),
            model=self.model_filter.text().strip() or None,
            delivery_method=self.method.currentData(),
            min_age_hours=self.min_age.value() or None,
            sort=self.model.filters.get("sort", "age"),
        )

    # --- actions -----------------------------------------------------------------------

    def selected_order_nos(self) -> list[str]:
        return self.model.order_nos(self.table.selectionModel().selectedRows())

    def _selected_rows(self) -> list[dict[str, Any]]:
        return [self.model.rows[i.row()] for i in self.table.selectionModel().selectedRows()]

    async def _bulk(self, call: Any, done: str) -> None:
        try:
            await self.worker.call(call)
        except BackendError as exc:
            self._show_error(getattr(exc, "message", str(exc)))
            return
        self.status_message.emit(done)
        self.model.reload()
        self.refresh_side()

    @asyncSlot()
    async def apply_cause(self) -> None:
        numbers = self.selected_order_nos()
        if numbers:
            cause = self.set_cause.currentData()
            await self._bulk(
                lambda: self.client.triage(numbers, cause=cause),
                self.tr("Cause set for %1 orders").replace("%1", str(len(numbers))),
            )

    @asyncSlot()
    async def apply_owner(self) -> None:
        numbers = self.selected_order_nos()
        if numbers:
            owner = self.owner.text().strip() or None
            await self._bulk(
                lambda: self.client.triage(numbers, owner=owner, set_owner=True),
                self.tr("Owner set for %1 orders").replace("%1", str(len(numbers))),
            )

    @asyncSlot()
    async def queue_callbacks(self) -> None:
        customers = sorted({r["customer_id"] for r in self._selected_rows()})

        def run() -> None:
            for customer_id in customers:
                self.client.request_callback(customer_id, "order_status", "proactive: stuck order")

        if customers:
            await self._bulk(run, self.tr("%1 callbacks queued").replace("%1", str(len(customers))))

    @asyncSlot()
    async def start_campaign(self) -> None:
        numbers = self.selected_order_nos()
        template = self.template.currentData()
        if not numbers or not template:
            self._show_error(self.tr("Select orders and a message template first."))
            return
        try:
            created = await self.worker.call(
                self.client.create_campaign,
                f"triage {timefmt.short(None)}",
                template,
                {"kind": "orders", "order_nos": numbers},
            )
        except BackendError as exc:
            self._show_error(getattr(exc, "message", str(exc)))
            return
        self.status_message.emit(
            self.tr(
                "Campaign #%1 prepared for %2 customers; a supervisor approves it before anything is sent."
            )
            .replace("%1", str(created["id"]))
            .replace("%2", str(created["recipient_count"]))
        )

    @asyncSlot()
    async def export_csv(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, self.tr("Export stuck orders"), "stuck-orders.csv", "CSV (*.csv)"
            )
            if not path:
                return
        rows: list[dict[str, Any]] = []
        offset = 0
        while True:
            try:
                page = await self.worker.call(
                    self.client.stuck, offset=offset, limit=500, **self.model.filters
                )
            except BackendError as exc:
                self._show_error(getattr(exc, "message", str(exc)))
                return
            rows.extend(page["items"])
            offset += len(page["items"])
            self.status_message.emit(
                self.tr("Exporting… %1 of %2")
                .replace("%1", str(offset))
                .replace("%2", str(page["total"]))
            )
            if not page["items"] or offset >= page["total"]:
                break
        fields = [
            "order_no",
            "customer_id",
            "customer_name",
            "model",
            "delivery_method",
            "received_at",
            "age_hours",
            "overtaken_by",
            "cause",
            "owner",
        ]
        with Path(path).open(
            "w", newline="", encoding="utf-8-sig"
        ) as fh:  # BOM: Excel reads Hangul right
            writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        self.status_message.emit(
            self.tr("Exported %1 orders to %2").replace("%1", str(len(rows))).replace("%2", path)
        )

    def _open(self, index: QModelIndex) -> None:
        row = self.model.row(index)
        if row:
            self.open_customer.emit(int(row["customer_id"]))

    def _open_contradiction(self, index: QModelIndex) -> None:
        row = self.contradictions_model.row(index)
        if row:
            self.open_customer.emit(int(row["customer_id"]))
