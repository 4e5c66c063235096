"""A day's habits."""

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from bonecare.database import UTCDateTime, Versioned, new_id, version_index
from bonecare.extensions import db


class HabitDay(Versioned, db.Model):
    """Cigarettes smoked and standard drinks on one patient-local day."""

    __tablename__ = "habit_days"
    __table_args__ = (UniqueConstraint("patient_id", "local_date"), version_index("habit_days"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    cigarettes: Mapped[int] = mapped_column(Integer)
    alcohol_drinks: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
