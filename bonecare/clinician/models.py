"""The panel's stored rows: each patient's adherence score, open flags and next DXA as last computed, so that the
panel sorts, filters and pages in SQL whatever the clinic's size."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from bonecare.database import UTCDateTime
from bonecare.extensions import db


class PanelStatus(db.Model):
    """One patient's panel row as computed at her sync clock `clock`, good until `valid_until` (her next local
    midnight, when the adherence window and the date-bound flags move)."""

    __tablename__ = "panel_status"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    clock: Mapped[int] = mapped_column(Integer)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sort_name: Mapped[str] = mapped_column(String(100))  # the display name, case-folded
    severity_rank: Mapped[int] = mapped_column(Integer)  # of the most severe open flag; -1 with none
    flag_count: Mapped[int] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    adherence: Mapped[dict] = mapped_column(JSON)  # the panel's adherence row over the default window
    next_dxa_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    next_dxa_on: Mapped[date | None] = mapped_column(Date)
    next_dxa_location: Mapped[str | None] = mapped_column(String(200))
    next_dxa_due: Mapped[date | None] = mapped_column(Date)


class PanelFlag(db.Model):
    """An open flag of a patient's panel row; `position` keeps the assessment's order (most severe first)."""

    __tablename__ = "panel_flags"

    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("panel_status.patient_id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    severity: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
