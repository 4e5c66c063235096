"""A course of a bone-modifying agent."""

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from bonecare.database import UTCDateTime, Versioned, new_id, version_index
from bonecare.extensions import db


class Treatment(Versioned, db.Model):
    """One agent from its start to its stop (open while stopped_on is null), with its last dose."""

    __tablename__ = "treatments"
    __table_args__ = (Index("ix_treatments_patient_day", "patient_id", "started_on"), version_index("treatments"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    agent: Mapped[str] = mapped_column(String(32))
    started_on: Mapped[date] = mapped_column(Date)
    stopped_on: Mapped[date | None] = mapped_column(Date)
    last_dose_on: Mapped[date | None] = mapped_column(Date)
    dose_interval_days: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
