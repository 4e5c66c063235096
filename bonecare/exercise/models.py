"""An exercise session."""

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bonecare.database import LogEntry, UTCDateTime
from bonecare.extensions import db

KINDS = ("balance", "flexibility", "endurance", "resistance")
INTENSITIES = ("light", "moderate", "vigorous")


class Exercise(LogEntry, db.Model):
    """A session of one kind of exercise, started at an instant."""

    __tablename__ = "exercise"

    local_date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_min: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    intensity: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(1000))
