"""Counting the SQL statements a request issues."""

from sqlalchemy import event

from bonecare.extensions import db


def count_statements(app, call, status: int = 200) -> int:
    """How many statements the database received while `call()` ran (which must answer `status`)."""
    return len(statements_of(app, call, status))


def statements_of(app, call, status: int = 200) -> list[str]:
    """The statements the database received while `call()` ran (which must answer `status`)."""
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = call()
        assert response.status_code == status, response.get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return statements
