"""Entry point for `flask --app app …` and gunicorn (`app:app`)."""

from bonecare import create_app

app = create_app()
