"""A patient's care plan (absent until a clinician changes a default)."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bonecare.database import UTCDateTime, Versioned
from bonecare.extensions import db


class CarePlan(Versioned, db.Model):
    """Daily intake targets, weekly exercise targets, the alcohol limit and the exemestane course of one patient."""

    __tablename__ = "care_plans"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    calcium_mg_min: Mapped[int] = mapped_column(Integer)
    calcium_mg_max: Mapped[int] = mapped_column(Integer)
    vitamin_d_iu_min: Mapped[int] = mapped_column(Integer)
    vitamin_d_iu_max: Mapped[int] = mapped_column(Integer)
    exercise_weekly: Mapped[dict] = mapped_column(JSON)
    alcohol_drinks_per_week_max: Mapped[float] = mapped_column(Float)
    ceiling_reason: Mapped[str | None] = mapped_column(String(500))  # why a max exceeds an upper limit
    exemestane_started_on: Mapped[date | None] = mapped_column(Date)
    exemestane_stopped_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
