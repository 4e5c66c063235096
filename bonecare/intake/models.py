"""An intake entry: calcium and vitamin D taken at an instant."""

from datetime import date, datetime

from sqlalchemy import Date, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from bonecare.database import LogEntry, UTCDateTime
from bonecare.extensions import db


class Intake(LogEntry, db.Model):
    """Calcium (mg) and vitamin D (IU) from a supplement or the diet."""

    __tablename__ = "intake"

    local_date: Mapped[date] = mapped_column(Date)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    calcium_mg: Mapped[float] = mapped_column(Float, default=0)
    vitamin_d_iu: Mapped[float] = mapped_column(Float, default=0)
    source: Mapped[str] = mapped_column(String(16))
    product: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(1000))
