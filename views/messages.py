"""The lead's messages and official-line workspace: campaigns (preview, approval by a
supervisor) and notices (publish, new version, retire, who has read them)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from console import timefmt
from console.client import BackendClient, BackendError
from console.models import RowsModel
from console.worker import Worker
from views.notices import NoticeAcks, NoticeTargetForm, describe_target
from views.widgets import alive


class MessagesView(QWidget):
    status_message = Signal(str)

    def __init__(
        self,
        client: BackendClient,
        worker: Worker,
        *,
        can_approve: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("messages")
        self.client = client
        self.worker = worker
        self.can_approve = can_approve
        self.selected: dict[str, Any] | None = None
        self.error = QLabel()
        self.error.setObjectName("action-error")
        self.error.setWordWrap(True)
        self.error.hide()

        self.campaigns_model = RowsModel(self)
        self.campaigns_model.columns = [
            (self.tr("No."), lambda r: r["id"]),
            (self.tr("Name"), lambda r: r["name"]),
            (self.tr("Status"), lambda r: r["status"]),
            (self.tr("Recipients"), lambda r: r["recipient_count"]),
            (
                self.tr("Sent"),
                lambda r: r["messages"].get("sent", 0) + r["messages"].get("delivered", 0),
            ),
            (self.tr("Prepared by"), lambda r: r["created_by"]),
            (self.tr("Approved by"), lambda r: r.get("approved_by") or ""),
        ]
        self.campaigns = QTableView()
        self.campaigns.setObjectName("campaigns")
        self.campaigns.setModel(self.campaigns_model)
        self.campaigns.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.campaigns.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.campaigns.verticalHeader().hide()
        self.campaigns.horizontalHeader().setStretchLastSection(True)
        self.campaigns.clicked.connect(self.show_campaign)
        self.preview = QLabel()
        self.preview.setObjectName("campaign-preview")
        self.preview.setWordWrap(True)
        self.override = QLineEdit()
        self.override.setPlaceholderText(
            self.tr("Override reason (only to send in quiet hours or again within 24 h)")
        )
        self.approve_button = QPushButton(self.tr("Approve and send"))
        self.approve_button.setObjectName("approve-campaign")
        self.approve_button.setVisible(can_approve)
        self.approve_button.clicked.connect(self.approve)
        self.cancel_button = QPushButton(self.tr("Cancel campaign"))
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.override, 1)
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.cancel_button)
        campaign_box = QGroupBox(self.tr("Campaigns"))
        cl = QVBoxLayout(campaign_box)
        cl.addWidget(self.campaigns, 1)
        cl.addWidget(self.preview)
        cl.addLayout(buttons)

        # A campaign from a saved filter ("stuck over 48 h"), or a correction of one sent.
        self.campaign_name = QLineEdit()
        self.campaign_name.setObjectName("campaign-name")
        self.campaign_name.setPlaceholderText(self.tr("Campaign name"))
        self.campaign_template = QComboBox()
        self.campaign_template.setObjectName("campaign-template")
        self.min_age = QSpinBox()
        self.min_age.setRange(0, 720)
        self.min_age.setValue(48)
        self.min_age.setSuffix(self.tr(" h or longer in received"))
        new_button = QPushButton(self.tr("Prepare for stuck orders"))
        new_button.setObjectName("new-campaign")
        new_button.clicked.connect(self.new_from_filter)
        correct_button = QPushButton(self.tr("Correct selected campaign"))
        correct_button.setToolTip(
            self.tr(
                "Send the chosen template to exactly the customers the selected campaign reached"
            )
        )
        correct_button.clicked.connect(self.correct_selected)
        new_row = QHBoxLayout()
        for w in (
            self.campaign_name,
            self.campaign_template,
            self.min_age,
            new_button,
            correct_button,
        ):
            new_row.addWidget(w)
        cl.addLayout(new_row)

        self.template_key = QLineEdit()
        self.template_key.setPlaceholderText(self.tr("Template key, e.g. delay"))
        self.template_title = QLineEdit()
        self.template_title.setPlaceholderText(self.tr("Template title"))
        self.template_body = QPlainTextEdit()
        self.template_body.setObjectName("template-body")
        self.template_body.setMaximumHeight(60)
        self.template_body.setPlaceholderText(
            self.tr(
                "Text with placeholders: {name} {order_no} {reservation_no} {model} {delivery_method} "
                "{received_date} {tracking_no}"
            )
        )
        save_template = QPushButton(self.tr("Save template"))
        save_template.clicked.connect(self.save_template)
        template_row = QHBoxLayout()
        template_row.addWidget(self.template_key)
        template_row.addWidget(self.template_title, 1)
        template_row.addWidget(save_template)
        cl.addLayout(template_row)
        cl.addWidget(self.template_body)

        self.notices_model = RowsModel(self)
        self.notices_model.columns = [
            (self.tr("Topic"), lambda r: r["topic"]),
            (self.tr("Version"), lambda r: r["version"]),
            (self.tr("Title"), lambda r: r["title"]),
            (self.tr("For"), lambda r: describe_target(r.get("target")) or self.tr("everyone")),
            (self.tr("Published"), lambda r: timefmt.short(r["published_at"])),
        ]
        self.notices = QTableView()
        self.notices.setObjectName("notice-list")
        self.notices.setModel(self.notices_model)
        self.notices.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.notices.verticalHeader().hide()
        self.notices.horizontalHeader().setStretchLastSection(True)
        self.notices.clicked.connect(self.edit_notice)
        self.topic = QLineEdit()
        self.topic.setObjectName("notice-topic")
        self.topic.setPlaceholderText(
            self.tr("Topic, e.g. delivery_dates (same topic = new version)")
        )
        self.title = QLineEdit()
        self.title.setObjectName("notice-title")
        self.title.setPlaceholderText(self.tr("Title"))
        self.body = QPlainTextEdit()
        self.body.setObjectName("notice-body")
        self.body.setPlaceholderText(self.tr("The official line agents read out"))
        publish = QPushButton(self.tr("Publish"))
        publish.setObjectName("publish-notice")
        publish.clicked.connect(self.publish)
        retire = QPushButton(self.tr("Retire selected"))
        retire.clicked.connect(self.retire)
        self.acks = QLabel()
        self.acks.setObjectName("notice-acks")
        self.acks.setWordWrap(True)
        self.acks_by_version = NoticeAcks()  # the supervisor's: who read each version
        self.target = NoticeTargetForm()  # whom the notice is for; empty: everyone
        notice_box = QGroupBox(self.tr("Official line (notices)"))
        nl = QVBoxLayout(notice_box)
        nl.addWidget(self.notices, 1)
        nl.addWidget(self.acks)
        nl.addWidget(self.acks_by_version)
        nl.addWidget(self.topic)
        nl.addWidget(self.title)
        nl.addWidget(self.body)
        nl.addWidget(self.target)
        row = QHBoxLayout()
        row.addWidget(publish)
        row.addWidget(retire)
        row.addStretch(1)
        nl.addLayout(row)

        split = QSplitter()
        split.addWidget(campaign_box)
        split.addWidget(notice_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error)
        layout.addWidget(split, 1)

    # --- loading -----------------------------------------------------------------------

    @asyncSlot()
    async def reload(self) -> None:
        try:
            campaigns = await self.worker.call(self.client.campaigns)
            notices = await self.worker.call(self.client.notices)
            templates = await self.worker.call(self.client.templates)
        except BackendError:
            return
        if alive(self):
            self.campaigns_model.set_rows(campaigns["campaigns"])
            self.notices_model.set_rows(notices["notices"])
            current = self.campaign_template.currentData()
            self.campaign_template.clear()
            for t in templates["templates"]:
                self.campaign_template.addItem(t["title"], t["key"])
            if current:
                self.campaign_template.setCurrentIndex(
                    max(0, self.campaign_template.findData(current))
                )

    def _fail(self, exc: BackendError) -> None:
        self.error.setText(getattr(exc, "message", str(exc)))
        self.error.show()

    # --- campaigns ---------------------------------------------------------------------

    @asyncSlot()
    async def show_campaign(self, index: QModelIndex) -> None:
        row = self.campaigns_model.row(index)
        if row is None:
            return
        try:
            campaign = await self.worker.call(self.client.campaign, row["id"])
        except BackendError as exc:
            self._fail(exc)
            return
        self.selected = campaign
        samples = "\n".join(f"• {s['text']}" for s in campaign["preview"]["samples"])
        self.preview.setText(
            self.tr("%1 recipients (exact). Samples:").replace(
                "%1", str(campaign["recipient_count"])
            )
            + "\n"
            + samples
        )
        draft = campaign["status"] == "draft"
        self.approve_button.setEnabled(draft)
        self.cancel_button.setEnabled(draft)

    async def _act(self, call: Any, done: str) -> None:
        self.error.hide()
        try:
            await self.worker.call(call)
        except BackendError as exc:
            self._fail(exc)
        else:
            self.status_message.emit(done)
        await self.reload()

    @asyncSlot()
    async def approve(self) -> None:
        if self.selected is None:
            return
        cid = self.selected["id"]
        reason = self.override.text().strip() or None
        await self._act(
            lambda: self.client.approve_campaign(cid, reason),
            self.tr("Campaign #%1 approved; the outbox is sending it").replace("%1", str(cid)),
        )

    @asyncSlot()
    async def cancel(self) -> None:
        if self.selected is not None:
            cid = self.selected["id"]
            await self._act(
                lambda: self.client.cancel_campaign(cid),
                self.tr("Campaign #%1 cancelled").replace("%1", str(cid)),
            )

    @asyncSlot()
    async def new_from_filter(self) -> None:
        name = self.campaign_name.text().strip()
        template = self.campaign_template.currentData()
        segment = {"kind": "stuck", "min_age_hours": self.min_age.value()}
        await self._act(
            lambda: self.client.create_campaign(name, template or "", segment),
            self.tr("Campaign prepared; select it to see the exact recipients"),
        )

    @asyncSlot()
    async def correct_selected(self) -> None:
        if self.selected is None:
            self._fail_text(self.tr("Select the campaign to correct first."))
            return
        cid = self.selected["id"]
        name = self.campaign_name.text().strip() or self.tr("Correction of #%1").replace(
            "%1", str(cid)
        )
        template = self.campaign_template.currentData() or ""
        await self._act(
            lambda: self.client.correct_campaign(cid, name, template),
            self.tr("Correction prepared for the customers campaign #%1 reached").replace(
                "%1", str(cid)
            ),
        )

    @asyncSlot()
    async def save_template(self) -> None:
        key, title = self.template_key.text().strip(), self.template_title.text().strip()
        body = self.template_body.toPlainText().strip()
        await self._act(
            lambda: self.client.save_template(key, title, body), self.tr("Template saved")
        )

    def _fail_text(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    # --- notices -----------------------------------------------------------------------

    @asyncSlot()
    async def edit_notice(self, index: QModelIndex) -> None:
        row = self.notices_model.row(index)
        if row is None:
            return
        self.topic.setText(row["topic"])
        self.title.setText(row["title"])
        self.body.setPlainText(row["body"])
        self.target.set_target(row.get("target"))
        if not self.can_approve:
            return  # who has read it is the supervisor's view
        try:
            acks = await self.worker.call(self.client.notice_acks, row["id"])
        except BackendError as exc:
            self._fail(exc)
            return
        self.acks.setText(
            self.tr("Read by %1; not yet: %2")
            .replace("%1", ", ".join(a["username"] for a in acks["acknowledged"]) or "—")
            .replace("%2", ", ".join(acks["not_acknowledged"]) or "—")
        )
        self.acks_by_version.show_acks(acks)

    @asyncSlot()
    async def publish(self) -> None:
        topic, title, body = (
            self.topic.text().strip(),
            self.title.text().strip(),
            self.body.toPlainText().strip(),
        )
        target = self.target.target()
        await self._act(
            lambda: self.client.publish_notice(topic, title, body, target),
            self.tr("Notice published on every console"),
        )

    @asyncSlot()
    async def retire(self) -> None:
        rows = [
            self.notices_model.rows[i.row()] for i in self.notices.selectionModel().selectedRows()
        ]
        for row in rows:
            nid = row["id"]
            await self._act(
                lambda nid=nid: self.client.retire_notice(nid), self.tr("Notice retired")
            )
