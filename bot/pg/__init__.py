"""PostgreSQL support (optional extra `postgres`: asyncpg): the schema and its migrations.

Nothing here imports asyncpg at import time; the functions take an open asyncpg connection.
"""
