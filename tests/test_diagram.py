"""Diagrams: `tool diagram` and the one in `tool diff --format markdown`, read back by the real
mermaid parser (``tests/mermaid_parser.py``, two mermaid versions) to prove that what mermaid
draws is what the tool meant, hostile names included; SVG through Graphviz's ``dot``."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from cultivar_schema.project import Project as SchemaProject
from cultivar_schema.review.compare import review
from cultivar_schema.review.diagram import Attribute, Entity, Relation, TypeName, change_diagram
from cultivar_schema.review.mermaid import quoted

from .conftest import REPO, Project
from .mermaid_parser import Parsed, parse

BEFORE = """
growers = Table("growers", metadata, Column("id", Integer, primary_key=True),
                Column("name", String(50)), Column("note", String(20)))
plants = Table("plants", metadata, Column("id", Integer, primary_key=True),
               Column("grower_id", ForeignKey("growers.id")), Column("label", String(20)))
harvests = Table("harvests", metadata, Column("id", Integer, primary_key=True),
                 Column("plant_id", ForeignKey("plants.id"), nullable=False, unique=True))
sensors = Table("sensors", metadata, Column("id", Integer, primary_key=True),
                Column("plant_id", ForeignKey("plants.id")))
zones = Table("zones", metadata, Column("id", Integer, primary_key=True))
beds = Table("beds", metadata, Column("id", Integer, primary_key=True),
             Column("zone_id", ForeignKey("zones.id"), nullable=False))
"""

# growers renamed to farmers (name widened, note dropped, email added); plants' key to it
# gets ON DELETE CASCADE and label is renamed; beds is dropped; tags is new.
AFTER = """
farmers = Table("farmers", metadata, Column("id", Integer, primary_key=True),
                Column("name", String(80)), Column("email", String(40)),
                info={"renamed_from": "growers"})
plants = Table("plants", metadata, Column("id", Integer, primary_key=True),
               Column("grower_id", ForeignKey("farmers.id", ondelete="CASCADE")),
               Column("tag", String(20), info={"renamed_from": "label"}))
harvests = Table("harvests", metadata, Column("id", Integer, primary_key=True),
                 Column("plant_id", ForeignKey("plants.id"), nullable=False, unique=True))
sensors = Table("sensors", metadata, Column("id", Integer, primary_key=True),
                Column("plant_id", ForeignKey("plants.id")))
zones = Table("zones", metadata, Column("id", Integer, primary_key=True))
tags = Table("tags", metadata, Column("id", Integer, primary_key=True),
             Column("plant_id", ForeignKey("plants.id"), nullable=False))
"""

# Names that would end a quoted string, a block or a line, start a directive, a comment, an
# entity, markup or a generic type (~), read as keywords (end, pk, direction TB), or are not
# ASCII.
HOSTILE = """
plain = Table("plain", metadata, Column("id", Integer, primary_key=True))
quote = Table('a"b', metadata, Column("id", Integer, primary_key=True),
              Column('x"y', Numeric(10, 2)), Column("pk", Integer),
              Column("1st place", String(5)), Column("größe", Numeric(10, 2)),
              Column("plain_id", ForeignKey("plain.id"), nullable=False))
brace = Table("x}", metadata, Column("id", Integer, primary_key=True),
              Column("ab_id", ForeignKey('a"b.id'), unique=True))
spaces = Table("with space", metadata, Column("id", Integer, primary_key=True),
               Column("brace_id", ForeignKey("x}.id")))
umlaut = Table("größe", metadata, Column("id", Integer, primary_key=True),
               Column("space id", ForeignKey("with space.id")))
directive = Table("%%{init: {'theme': 'dark'}}%%", metadata,
                  Column("id", Integer, primary_key=True),
                  Column("direction TB", ForeignKey("größe.id")))
direction = Table("direction TB", metadata, Column("id", Integer, primary_key=True),
                  Column("d_id", ForeignKey("%%{init: {'theme': 'dark'}}%%.id")))
end = Table("end", metadata, Column("id", Integer, primary_key=True),
            Column("x", ForeignKey("direction TB.id")),
            Column("<b>`x`</b> & #quot;", String(5)),
            Column("a~b~c", Integer), Column("x~ and a long tail of words after it", Integer))
"""


def _mermaid_block(markdown: str) -> str:
    return markdown.split("```mermaid\n", 1)[1].split("\n```", 1)[0] + "\n"


def _tables_and_keys(project: Project, side: str) -> tuple[dict[str, int], set[tuple]]:
    """Table -> number of columns, and (parent, child, columns) per foreign key, of a side."""
    from cultivar_schema.review.compare import open_side, side_tables

    tables = side_tables(open_side(SchemaProject.open(project.root), side))
    keys = {(fk["referred_table"], key, ", ".join(fk["columns"]))
            for key, table in tables.items() for fk in table.get("foreign_keys", [])}
    return {key: len(table["columns"]) for key, table in tables.items()}, keys


def _read_back(parsed: Parsed) -> tuple[dict[str, int], set[tuple]]:
    """What mermaid read, in the terms of :func:`_tables_and_keys` (names as shown)."""
    assert parsed.error is None, f"mermaid {parsed.version}: {parsed.error}"
    tables = {parsed.label(key): len(entity["attributes"])
              for key, entity in parsed.entities.items()}
    keys = {(parsed.label(r["a"]), parsed.label(r["b"]), r["label"])
            for r in parsed.relationships}
    return tables, keys


def _shown(name: str) -> str:
    return quoted(name)[1:-1]


def test_change_diagram_marks_what_the_change_does(sqlite_project: Project) -> None:
    sqlite_project.write_models(BEFORE)
    sqlite_project.invoke("snapshot", "-m", "before")
    shutil.copytree(sqlite_project.root / "snapshots", sqlite_project.root / "before")
    sqlite_project.write_models(AFTER)
    markdown = sqlite_project.invoke("diff", "--format", "markdown").out  # imports AFTER
    result = review(SchemaProject.open(sqlite_project.root))
    drawn = change_diagram(result.changes, result.before, result.after, result.neighbourhood())
    integer, keyed = TypeName("Integer"), ("PK",)
    assert drawn.entities == (
        Entity("beds", (Attribute("id", integer, keyed), Attribute("zone_id", integer, ("FK",))),
               ("- dropped",)),
        # the naming convention names the key after the table: pk_growers is now pk_farmers
        Entity("farmers", (Attribute("id", integer, keyed, ("* PK",)),
                           Attribute("name", TypeName("String", (80,)), (),
                                     ("* type String(50) → String(80)",)),
                           Attribute("email", TypeName("String", (40,)), (), ("+ added",)),
                           Attribute("note", TypeName("String", (20,)), (), ("- dropped",))),
               ("* renamed from growers",)),
        Entity("plants", (Attribute("id", integer, keyed),
                          Attribute("grower_id", integer, ("FK",), ("* FK",)),
                          Attribute("tag", TypeName("String", (20,)), (),
                                    ("* renamed from label",)))),
        Entity("tags", (Attribute("id", integer, keyed), Attribute("plant_id", integer, ("FK",))),
               ("+ added",)),
        # one foreign key away: from a dropped table (zones), to a changed one (the others)
        Entity("harvests", neighbour=True), Entity("sensors", neighbour=True),
        Entity("zones", neighbour=True),
    )
    assert set(drawn.relations) == {
        Relation("beds", "zones", ("zone_id",), False, False, "-"),
        Relation("plants", "farmers", ("grower_id",), True, False, "*"),
        Relation("tags", "plants", ("plant_id",), False, False, "+"),
        Relation("harvests", "plants", ("plant_id",), False, True),
        Relation("sensors", "plants", ("plant_id",), True, False),
    }
    assert drawn.left_out == drawn.neighbours_left_out == ()

    assert "`+` added, `-` dropped (a dropped foreign key is dashed)" in markdown
    for parsed in parse([_mermaid_block(markdown)])[0]:
        tables, keys = _read_back(parsed)
        assert tables == {"beds (- dropped)": 2, "farmers (* renamed from growers)": 4,
                          "plants": 3, "tags (+ added)": 2, "harvests": 0, "sensors": 0,
                          "zones": 0}, parsed.version
        assert keys == {("zones", "beds (- dropped)", "- zone_id"),
                        ("farmers (* renamed from growers)", "plants", "* grower_id"),
                        ("plants", "tags (+ added)", "+ plant_id"),
                        ("plants", "harvests", "plant_id"), ("plants", "sensors", "plant_id")}
        dashed = {r["label"] for r in parsed.relationships if r["type"] == "NON_IDENTIFYING"}
        assert dashed == {"- zone_id"}, parsed.version
        comments = {a["name"]: a["comment"] for a in parsed.entities["farmers"]["attributes"]}
        assert comments == {"id": "* PK", "name": "* type String(50) → String(80)",
                            "email": "+ added", "note": "- dropped"}

    # recorded: the snapshot side parses only the files that name a changed table
    sqlite_project.invoke("snapshot", "-m", "after", "--allow-destructive", "reviewed")
    recorded = sqlite_project.invoke("diff", "--base", "before", "--head", "snapshot",
                                     "--format", "markdown").out
    assert _mermaid_block(recorded) == _mermaid_block(markdown)


def test_hostile_names_cannot_break_or_inject_into_the_diagram(sqlite_project: Project) -> None:
    sqlite_project.write_models(HOSTILE)
    texts = [sqlite_project.invoke("diagram", "--side", "models").out,
             _mermaid_block(sqlite_project.invoke("diff", "--format", "markdown").out),
             sqlite_project.invoke("diagram", "--side", "models", "x}").out]
    tables, keys = _tables_and_keys(sqlite_project, "models")
    shown = {_shown(name): columns for name, columns in tables.items()}
    shown_keys = {(_shown(parent), _shown(child), _shown(columns))
                  for parent, child, columns in keys}
    whole, changed, part = parse(texts)
    for parsed in whole:
        assert _read_back(parsed) == (shown, shown_keys), parsed.version
    for parsed in changed:  # every table is new
        found, found_keys = _read_back(parsed)
        assert found == {f"{name} (+ added)": columns for name, columns in shown.items()}
        assert len(found_keys) == len(keys)
    for parsed in part:  # x} with its neighbours, a"b and "with space", without columns
        assert _read_back(parsed)[0] == {"x}": 2, "a?b": 0, "with space": 0}, parsed.version
    [parsed] = whole[:1]
    attributes = {a["comment"]: a for a in parsed.entities["t_a_b"]["attributes"]
                  if a["comment"]}
    assert attributes["name: x?y"]["type"] == "Numeric(10-2)"  # NUMERIC(10, 2) renders
    assert set(attributes) == {"name: x?y", "name: pk", "name: 1st place", "name: größe"}
    assert "direction\u200b TB" in texts[0]  # not mermaid's direction statement

    # a"b changed in a recorded snapshot: x}, whose file names it, is found as its neighbour
    sqlite_project.invoke("snapshot", "-m", "hostile")
    shutil.copytree(sqlite_project.root / "snapshots", sqlite_project.root / "before")
    sqlite_project.write_models(HOSTILE.replace('Column("pk", Integer),',
                                                'Column("pk", Integer), Column("new", Integer),'))
    sqlite_project.invoke("snapshot", "-m", "new")
    markdown = sqlite_project.invoke("diff", "--base", "before", "--head", "snapshot",
                                     "--format", "markdown").out
    for parsed in parse([_mermaid_block(markdown)])[0]:
        assert set(_read_back(parsed)[0]) == {"a?b", "plain", "x}"}, parsed.version


def test_the_cultivar_models_parse(repo_copy: Project) -> None:
    texts = [repo_copy.invoke("diagram", "--side", side).out for side in ("models", "snapshot")]
    texts.append(repo_copy.invoke("diagram", "plants", "users").out)
    tables, keys = _tables_and_keys(repo_copy, "snapshot")
    assert len(tables) >= 20 and len(keys) >= 15
    models, snapshot, part = parse(texts)
    for parsed in models + snapshot:
        assert _read_back(parsed) == (tables, keys), parsed.version
    for parsed in part:
        found = _read_back(parsed)[0]
        assert found["plants"] == tables["plants"] and found["users"] == tables["users"]
        assert "harvests" in found and "grows" in found and found["harvests"] == 0


def test_a_large_change_is_capped_and_says_what_it_left_out(sqlite_project: Project) -> None:
    # 40 new tables of 120 columns in a chain of foreign keys: 30 tables would pass mermaid's
    # 50,000 characters, so fewer are drawn and the legend names the others.
    columns = ", ".join(f'Column("c{n:03}", Integer)' for n in range(118))
    body = ['t00 = Table("t00", metadata, Column("id", Integer, primary_key=True))']
    body += [f't{i:02} = Table("t{i:02}", metadata, Column("id", Integer, primary_key=True), '
             f'Column("up", ForeignKey("t{i - 1:02}.id")), {columns})' for i in range(1, 40)]
    sqlite_project.write_models("\n".join(body) + "\n")
    markdown = sqlite_project.invoke("diff", "--format", "markdown").out
    text = _mermaid_block(markdown)
    assert len(text) <= 50_000
    # t15 is one key away from t14, but a changed table left out is not drawn as a neighbour
    assert ("Not drawn, to stay readable: 25 changed tables (`t15`, `t16`, `t17`, `t18`, "
            "`t19`, `t20`, `t21`, `t22`, `t23`, `t24` and 15 more).\n") in markdown
    for parsed in parse([text])[0]:
        tables, keys = _read_back(parsed)
        assert sorted(tables) == [f"t{i:02} (+ added)" for i in range(15)]
        assert len(keys) == 14


def test_svg_through_graphviz(sqlite_project: Project) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (.ci/run installs it)")
    sqlite_project.write_models(HOSTILE)
    svg = sqlite_project.invoke("diagram", "--side", "models", "--format", "svg").out
    texts = {element.text for element in ElementTree.fromstring(svg).iter()
             if element.text}
    tables, _ = _tables_and_keys(sqlite_project, "models")
    assert set(tables) <= texts  # every name as it is, escaped for XML, nothing injected
    assert {"<b>`x`</b> & #quot;", "Numeric(10, 2)", "x\"y"} <= texts


def test_svg_without_graphviz_is_one_line(sqlite_project: Project,
                                          monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    sqlite_project.write_models(BEFORE)
    sqlite_project.invoke("snapshot", "-m", "before")
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on it
    done = sqlite_project.invoke("diagram", "--format", "svg", check=False)
    assert done.code == 2 and done.out == ""
    assert done.err == ("error: --format svg needs Graphviz's `dot`, which is not installed "
                        "(e.g. apt-get install graphviz); --format dot writes its input\n")


def test_unknown_tables_are_named_in_one_line(sqlite_project: Project) -> None:
    sqlite_project.write_models(BEFORE)
    sqlite_project.invoke("snapshot", "-m", "before")
    done = sqlite_project.invoke("diagram", "plants", "nope", 'a"b', check=False)
    assert done.code == 2 and done.out == ""
    assert done.err == "error: no such table in snapshot: 'nope', 'a\"b'\n"
    dot = sqlite_project.invoke("diagram", "plants", "--format", "dot").out
    assert dot.startswith("digraph schema {") and "<B>plants</B>" in dot
    assert dot.count(" -> ") == 3  # plants to growers, harvests and sensors to plants


def test_the_mermaid_in_the_documentation_parses() -> None:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    blocks = [(page.name, block.split("\n```", 1)[0] + "\n") for page in pages
              for block in page.read_text(encoding="utf-8").split("```mermaid\n")[1:]]
    assert blocks, "the README draws the workflow in mermaid"
    for (page, _), results in zip(blocks, parse([text for _, text in blocks]), strict=True):
        for parsed in results:
            assert parsed.error is None, f"{page}, mermaid {parsed.version}: {parsed.error}"


def test_names_stay_text_in_the_markdown_comment(sqlite_project: Project) -> None:
    sqlite_project.write_models('''
        img = Table("<img src=x>", metadata, Column("id", Integer, primary_key=True),
                    Column("a```b|c", Integer))
        ''')
    markdown = sqlite_project.invoke("diff", "--format", "markdown").out
    assert "| `+` | table &lt;img src=x> | – |" in markdown
    assert "| `+` | column &lt;img src=x>.a```b\\|c |" not in markdown  # a new table's columns
    assert "\n````python\nop.create_table('<img src=x>'," in markdown
    assert markdown.rstrip().endswith("````\n\n</details>")
