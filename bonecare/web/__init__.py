"""HTTP plumbing shared by every package: the blueprint class, and how requests are read."""

import flask_smorest
from flask.views import MethodView

from bonecare.web.parser import StrictParser


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, reading bodies and query strings with the strict parser, and naming every
    operation of a view class `<method><View>` (`getToday`, `postIntakeLog`), the names generated clients use."""

    ARGUMENTS_PARSER = StrictParser()

    def route(self, rule, *, parameters=None, tags=None, **options):
        """Register a view class (or function) as flask-smorest does, with its operations named."""
        register = super().route(rule, parameters=parameters, tags=tags, **options)

        def decorator(view):
            if isinstance(view, type) and issubclass(view, MethodView):
                noun = (options.get("endpoint") or view.__name__).removesuffix("View")
                for method in view.methods:
                    function = getattr(view, method.lower())
                    setattr(view, method.lower(), self.doc(operationId=f"{method.lower()}{noun}")(function))
            return register(view)

        return decorator
