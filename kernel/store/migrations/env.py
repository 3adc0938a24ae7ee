"""Alembic environment: runs on the connection the kernel hands over (kernel.store.db.migrate)."""

from alembic import context
from sqlmodel import SQLModel

import kernel.store.tables  # noqa: F401  (registers the kernel's tables on the metadata)
from kernel.store.tables import KERNEL_TABLES


def _ours(obj, name, type_, reflected, compare_to) -> bool:
    return type_ != "table" or name in KERNEL_TABLES


context.configure(connection=context.config.attributes["connection"],
                  target_metadata=SQLModel.metadata, include_object=_ours,
                  render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
