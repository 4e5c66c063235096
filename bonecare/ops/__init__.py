"""Operations: health and readiness, metrics, JSON logs and request ids."""
