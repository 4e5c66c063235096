"""The panel's stored rows: each patient's adherence score, open flags and next DXA as last computed, so that the
panel sorts, filters and pages in SQL whatever the clinic's size."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from bonecare.database import UTCDateTime
from bonecare.extensions import db

# Each sort of the panel is an ascending key column, then the name and the id: an index per sort serves a page by
# reading only that page's rows.
SORT_KEYS = {"severity": "severity_key", "adherence": "score_asc", "-adherence": "score_desc", "next_dxa": "dxa_key"}


class PanelStatus(db.Model):
    """One patient's panel row as computed at her sync clock (then her `users.summary_clock`), good until
    `valid_until` (her next local midnight, when the adherence window and the date-bound flags move)."""

    __tablename__ = "panel_status"
    __table_args__ = tuple(
        Index(f"ix_panel_status_by_{key}", key, "sort_name", "patient_id") for key in SORT_KEYS.values()
    ) + (Index("ix_panel_status_by_name", "sort_name", "patient_id"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sort_name: Mapped[str] = mapped_column(String(100))  # the display name, case-folded
    # most severe flag first, then most flags: -(rank of the most severe (-1 with none) * 100 + number of flags)
    severity_key: Mapped[int] = mapped_column(Integer)
    # the score, lowest first (score_asc) or highest first (score_desc), patients without one last
    score_asc: Mapped[float] = mapped_column(Float)
    score_desc: Mapped[float] = mapped_column(Float)
    dxa_key: Mapped[date] = mapped_column(Date)  # the next appointment's day, soonest first; none: last
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
