"""Words for the codes the backend sends (topics, reasons, roles, statuses), in the
console's language."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QLocale


def english() -> bool:
    return QLocale().language() == QLocale.Language.English


def status(entry: dict[str, Any]) -> str:
    """The backend sends both the Korean shop words and English; show the UI's language."""
    if english() and entry.get("status_label_en"):
        return str(entry["status_label_en"])
    return str(entry.get("status_label") or entry.get("status") or "")


def topic(code: str | None) -> str:
    if not code:
        return ""
    labels = {
        "delivery": QCoreApplication.translate("Labels", "Delivery"),
        "order_status": QCoreApplication.translate("Labels", "Order status"),
        "activation": QCoreApplication.translate("Labels", "Activation"),
        "cancellation": QCoreApplication.translate("Labels", "Cancellation"),
        "promotion": QCoreApplication.translate("Labels", "Promotion"),
        "other": QCoreApplication.translate("Labels", "Other"),
    }
    if code.startswith("callback:"):
        return QCoreApplication.translate("Labels", "Callback: %1").replace(
            "%1", topic(code.split(":", 1)[1])
        )
    return labels.get(code, code)


def delivery_method(code: str | None) -> str:
    """The shop's words for a delivery method (새벽배송, 일반배송, 매장수령), or English."""
    labels = {
        "dawn": QCoreApplication.translate("Labels", "Dawn delivery"),
        "standard": QCoreApplication.translate("Labels", "Standard"),
        "store_pickup": QCoreApplication.translate("Labels", "Store pickup"),
    }
    return labels.get(code or "", code or "")


def role(code: str | None) -> str:
    labels = {
        "agent": QCoreApplication.translate("Labels", "Agent"),
        "lead": QCoreApplication.translate("Labels", "Lead"),
        "supervisor": QCoreApplication.translate("Labels", "Supervisor"),
        "admin": QCoreApplication.translate("Labels", "Administrator"),
    }
    return labels.get(code or "", code or "")


def message_status(code: str | None) -> str:
    labels = {
        "queued": QCoreApplication.translate("Labels", "queued"),
        "sending": QCoreApplication.translate("Labels", "sending"),
        "sent": QCoreApplication.translate("Labels", "sent"),
        "delivered": QCoreApplication.translate("Labels", "delivered"),
        "failed": QCoreApplication.translate("Labels", "failed"),
    }
    return labels.get(code or "", code or "")


def refusal(message: str, details: dict[str, Any]) -> str:
    """The backend's reason, in Korean when it sent one and the UI is Korean."""
    korean = details.get("message_ko")
    return str(korean) if korean and not english() else message


def cause(code: str | None) -> str:
    names = {
        "payment_pending": QCoreApplication.translate("Labels", "Payment pending"),
        "stock_shortage": QCoreApplication.translate("Labels", "Stock shortage"),
        "address_check": QCoreApplication.translate("Labels", "Address check"),
        "fraud_check": QCoreApplication.translate("Labels", "Fraud check"),
        "unknown": QCoreApplication.translate("Labels", "Unknown"),
    }
    return names.get(code or "unknown", code or "")


DELIVERY_METHODS = ("dawn", "standard", "store_pickup")
CAUSES = ("payment_pending", "stock_shortage", "address_check", "fraud_check", "unknown")
