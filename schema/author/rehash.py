"""`tool rehash`: sign the manifest again after a reviewed edit of snapshot or revision files."""

from __future__ import annotations

from ..errors import SchemaToolError
from ..project import Project
from ..snapshot.load import parse_table
from ..snapshot.serialize import table_key
from ..snapshot.store import Manifest, sha256_bytes, table_fingerprint


def rehash(project: Project) -> Manifest:
    """Re-sign the manifest after a reviewed edit: table and revision hashes, head."""
    store = project.store
    heads = project.heads()
    if len(heads) > 1:
        raise SchemaToolError(f"alembic has {len(heads)} heads; merge them before `tool rehash`")
    tables, fingerprints = {}, {}
    for path in sorted(store.tables_dir.glob("*.yaml")):
        data = parse_table(store.display(path), store.read_file(path))
        key = table_key(data.get("schema"), data["name"])
        if store.table_path(key) != path:
            raise SchemaToolError(
                f"{store.display(path)}: holds table {key}, which belongs in "
                f"{store.display(store.table_path(key))}"
            )
        tables[key] = sha256_bytes(path.read_bytes())
        fingerprints[key] = table_fingerprint(data)
    revisions = project.revision_files()
    manifest = Manifest(head=heads[0] if heads else None, tables=tables, revisions=revisions,
                        naming_convention=store.recorded("naming_convention"),
                        notes={rev: note for rev, note in store.recorded("notes").items()
                               if rev in project.revision_ids()},
                        fingerprints=fingerprints)
    files = project.file_set("`tool rehash`")
    files.write(store.manifest_path, manifest.to_text())
    files.commit()
    return manifest
