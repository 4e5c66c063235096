"""DXA appointments and results, vitamin D lab values."""

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from bonecare.database import UTCDateTime, Versioned, new_id, version_index
from bonecare.extensions import db


class DxaAppointment(Versioned, db.Model):
    """A booked bone-density scan; cancelled ones keep a tombstone so reminders can be withdrawn."""

    __tablename__ = "dxa_appointments"
    __table_args__ = (
        Index("ix_dxa_appointments_patient_day", "patient_id", "scheduled_for"),
        version_index("dxa_appointments"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scheduled_for: Mapped[date] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(1000))
    override_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DxaResult(Versioned, db.Model):
    """A scan's T-scores and the FRAX probabilities and vertebral fractures assessed with it."""

    __tablename__ = "dxa_results"
    __table_args__ = (
        Index("ix_dxa_results_patient_day", "patient_id", "performed_on"),
        version_index("dxa_results"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    performed_on: Mapped[date] = mapped_column(Date)
    lumbar_spine_t: Mapped[float | None] = mapped_column(Float)
    total_hip_t: Mapped[float | None] = mapped_column(Float)
    femoral_neck_t: Mapped[float | None] = mapped_column(Float)
    frax_major_pct: Mapped[float | None] = mapped_column(Float)
    frax_hip_pct: Mapped[float | None] = mapped_column(Float)
    vertebral_fractures: Mapped[int | None] = mapped_column(Integer)
    frax_with_bmd: Mapped[bool | None] = mapped_column(Boolean)
    hip_fracture: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class VitaminDLab(Versioned, db.Model):
    """A 25-OH vitamin D level as the laboratory reported it (value, unit), and in ng/mL for the rules."""

    __tablename__ = "vitamin_d_labs"
    __table_args__ = (
        Index("ix_vitamin_d_labs_patient_day", "patient_id", "measured_on"),
        version_index("vitamin_d_labs"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    measured_on: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(8))  # "ng/mL" or "nmol/L"
    vitamin_d_25oh_ng_ml: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
