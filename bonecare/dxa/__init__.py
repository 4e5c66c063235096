"""DXA appointments and results, and 25-OH vitamin D labs."""
