"""HTTP plumbing shared by every package: the blueprint class, and how requests are read."""

import flask_smorest

from bonecare.web.parser import StrictParser


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, reading bodies and query strings with the strict parser."""

    ARGUMENTS_PARSER = StrictParser()
