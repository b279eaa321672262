"""Alembic environment shared by every service (see ``shared.migrate``).

Migrations run on a connection handed over in ``config.attributes["connection"]``; there is no
alembic.ini: the service's versions folder and the bus's are set programmatically.
"""

from alembic import context

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=config.attributes.get("target_metadata"),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
