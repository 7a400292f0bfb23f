"""The CultivAR project itself: its snapshot, plain Alembic commands, and the async app."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import sqlalchemy as sa

from cultivar_schema.project import Project as SchemaProject
from cultivar_schema.snapshot.load import load_table
from cultivar_schema.snapshot.serialize import dump_table, metadata_to_dicts, table_to_dict

from .conftest import REPO, TOOL, Project, async_url

APP_SCRIPT = textwrap.dedent('''
    import asyncio
    from decimal import Decimal

    from sqlalchemy import select

    from app.models_async.auth import User
    from app.models_async.base import get_engine, get_session_factory
    from app.models_async.commerce import Order, OrderItem, OrderStatus, Product


    async def main():
        async with get_session_factory()() as session:
            user = User(email="ada@example.com", username="ada", password_hash="x")
            product = Product(sku="SEED-1", name="Seeds", price=Decimal("9.50"))
            session.add_all([user, product])
            await session.flush()
            order = Order(user_id=user.id, total=Decimal("19.00"))
            order.items.append(OrderItem(product_id=product.id, quantity=2,
                                         unit_price=Decimal("9.50")))
            session.add(order)
            await session.commit()
        async with get_session_factory()() as session:
            row = (await session.execute(select(Order))).scalar_one()
            user = (await session.execute(select(User))).scalar_one()
            print(row.status.value, row.total, user.is_active, user.created_at is not None)
        await get_engine().dispose()


    asyncio.run(main())
''')


def test_repository_check_passes() -> None:
    done = subprocess.run([*TOOL, "check"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ok:")


def test_every_cultivar_table_round_trips_through_its_snapshot() -> None:
    project = SchemaProject.open(REPO)
    dicts = metadata_to_dicts(project.metadata)
    assert len(dicts) >= 20
    rebuilt = sa.MetaData()
    for key, data in dicts.items():
        text = dump_table(data)
        assert (project.store.table_path(key)).read_text() == text, key
        table = load_table(key, text, rebuilt)
        assert dump_table(table_to_dict(table)) == text, key


def test_snapshot_bytes_do_not_depend_on_hash_seed(repo_copy: Project) -> None:
    for seed in ("1", "2", "random"):
        done = subprocess.run([*TOOL, "check"], cwd=repo_copy.root,
                              env={**repo_copy.env(), "PYTHONHASHSEED": seed},
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_async_session_on_a_database_built_by_tool_apply(repo_copy: Project) -> None:
    repo_copy.url = f"sqlite+aiosqlite:///{repo_copy.root / 'app.db'}"
    result = repo_copy.run("apply")
    assert "verified" in result.out
    done = subprocess.run([sys.executable, "-c", APP_SCRIPT], cwd=repo_copy.root,
                          env=repo_copy.env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["pending", "19.00", "True", "True"]


def test_plain_alembic_commands_work_without_warnings(repo_copy: Project) -> None:
    outputs = [
        repo_copy.alembic("upgrade", "head"),
        repo_copy.alembic("current"),
        repo_copy.alembic("history"),
        repo_copy.alembic("downgrade", "-1"),
        repo_copy.alembic("upgrade", "head"),
        repo_copy.alembic("upgrade", "head", "--sql"),
    ]
    assert "80e76a32dc4f (head)" in outputs[1].out
    assert "initial migration for async models" in outputs[2].out
    assert "CREATE TABLE order_items" in outputs[5].out
    for result in outputs:
        assert "Warning" not in result.err, result.err

    before = set(repo_copy.revision_files())
    probe = repo_copy.alembic("revision", "--autogenerate", "-m", "probe")
    assert "Warning" not in probe.err, probe.err
    (new_file,) = set(repo_copy.revision_files()) - before
    body = new_file.read_text()
    assert body.count("    pass\n") == 2, body  # models and database agree: nothing to do


def test_quick_start_apply_uses_alembic_ini_default(repo_copy: Project) -> None:
    env = {k: v for k, v in repo_copy.env().items() if k != "DATABASE_URL"}
    done = subprocess.run([*TOOL, "apply"], cwd=repo_copy.root, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sqlite:///./cultivar_async.db" in done.stdout
    assert "verified" in done.stdout
    assert (repo_copy.root / "cultivar_async.db").exists()


def test_cultivar_revision_runs_on_every_database(repo_copy: Project, database_url: str) -> None:
    repo_copy.url = database_url
    assert "verified" in repo_copy.run("apply").out
    repo_copy.alembic("downgrade", "base")
    # the same revision again, through the async driver, via tool and plain alembic
    repo_copy.url = async_url(database_url)
    applied = repo_copy.run("apply")
    assert "upgraded" in applied.out and "verified" in applied.out
    repo_copy.alembic("downgrade", "-1")
    repo_copy.alembic("upgrade", "head")
    assert "already at head" in repo_copy.run("apply").out


def test_tool_finds_the_project_from_a_subfolder_or_project_option(repo_copy: Project) -> None:
    for cwd, args in ((repo_copy.root / "app" / "models_async", ["check"]),
                      (repo_copy.root.parent, ["--project", str(repo_copy.root), "check"])):
        done = subprocess.run([*TOOL, *args], cwd=cwd,
                              env=repo_copy.env(), capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_repository_alembic_files_match_the_tool_init_templates() -> None:
    templates = REPO / "schema" / "templates"
    for name in ("env.py", "script.py.mako"):
        assert (REPO / "alembic" / name).read_text() == (templates / name).read_text(), name
