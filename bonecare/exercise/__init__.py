"""Exercise sessions of the four kinds the guidance asks for."""
