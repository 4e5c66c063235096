"""Operations: health and readiness."""
