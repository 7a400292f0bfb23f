"""Before: plants is an InnoDB table in utf8mb4."""

from sqlalchemy import Column, Integer, MetaData, String, Table

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

plants = Table(
    "plants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)
