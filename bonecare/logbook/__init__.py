"""What the patient's logs (intake, exercise) share: their use cases (service.py) and their routes (routes.py)."""
