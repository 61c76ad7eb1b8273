"""Housekeeping jobs: the outbox sweeper."""
from __future__ import annotations

from jobs import delivery
from jobs.schedule import every_minutes, scheduled


@scheduled("outbox_sweep", every_minutes(1))
def outbox_sweep(period: str) -> int:
    """Re-queue pushes that Redis lost or a killed worker left behind."""
    return delivery.sweep()
