"""The real mermaid parser under node, for tests of the diagrams the tool writes.

npm's ``mermaid`` package is installed once per version into ``~/.cache/cultivar-mermaid/``
(or ``$MERMAID_CACHE``), like the corpus caches its virtual environments; a file lock keeps
parallel test workers from installing it twice.  ``mermaid.parse`` and the diagram's database
run under node; an erDiagram needs no DOM, but mermaid 10 sanitizes a flowchart's labels with
DOMPurify, which needs a window: jsdom gives it one.  One node process parses a batch of
diagrams and reports, for each, the error or the entities and relationships mermaid read.

Two versions are checked: the last 10.x (what older GitLab and other renderers bundle) and a
current one.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

VERSIONS = ("10.9.8", "11.17.2")
JSDOM = "24.1.3"
MARKER = "installed.txt"

# Reads a JSON list of diagram texts on stdin; prints a JSON list of results: {"error": ...}
# or the entities (id, alias, attributes) and relationships (ids of both ends, label) read.
SCRIPT = r"""
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

// a window before mermaid is imported: DOMPurify looks for one when it loads
const dom = new JSDOM('');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');

const texts = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const text of texts) {
  try {
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    // other kinds of diagram (the README's flowchart) are only parsed
    const found = diagram.db.getEntities ? diagram.db.getEntities() : new Map();
    const pairs = found instanceof Map ? [...found.entries()] : Object.entries(found);
    const byInternalId = {};
    const entities = pairs.map(([name, entity]) => {
      byInternalId[entity.id ?? name] = name;
      return {
        id: name, alias: entity.alias || null,
        attributes: entity.attributes.map((a) => ({
          type: a.type ?? a.attributeType, name: a.name ?? a.attributeName,
          keys: a.keys ?? a.attributeKeyTypeList ?? [],
          comment: a.comment ?? a.attributeComment ?? null,
        })),
      };
    });
    const relationships = (diagram.db.getRelationships?.() ?? []).map((r) => ({
      a: byInternalId[r.entityA] ?? r.entityA, b: byInternalId[r.entityB] ?? r.entityB,
      label: r.roleA, cardA: r.relSpec.cardA, cardB: r.relSpec.cardB,
      type: r.relSpec.relType,
    }));
    results.push({ entities, relationships });
  } catch (error) {
    results.push({ error: String(error.message || error) });
  }
}
process.stdout.write(JSON.stringify(results));
"""


@dataclass(frozen=True)
class Parsed:
    """What one mermaid version read from one diagram."""

    version: str
    error: str | None
    entities: dict[str, dict]  # id -> {"alias": ..., "attributes": [...]}
    relationships: list[dict]

    def label(self, identifier: str) -> str:
        """The name a table is shown with."""
        return self.entities[identifier]["alias"] or identifier


def cache_root() -> Path:
    if os.environ.get("MERMAID_CACHE"):
        return Path(os.environ["MERMAID_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cultivar-mermaid"


def _installed(version: str) -> Path:
    """The folder holding ``mermaid@version`` and the parse script; skips the test when npm
    cannot reach its registry, fails it on any other install problem."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to check diagrams with mermaid's parser")
    folder = cache_root() / version
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = folder / MARKER
        if not marker.exists() or marker.read_text(encoding="utf-8") != _wanted(version):
            _npm_install(folder, version)
        (folder / "parse.mjs").write_text(SCRIPT, encoding="utf-8")
    return folder


def _wanted(version: str) -> str:
    return f"mermaid@{version} jsdom@{JSDOM}\n"


def _npm_install(folder: Path, version: str) -> None:
    (folder / "package.json").write_text('{"private": true}\n', encoding="utf-8")
    done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                           f"mermaid@{version}", f"jsdom@{JSDOM}"], cwd=folder,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        unreachable = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ENETUNREACH")
        reasons = [line for line in done.stderr.splitlines()
                   if any(code in line for code in unreachable)]
        if reasons:
            pytest.skip(f"npm registry unreachable: {reasons[0].strip()}")
        raise AssertionError(f"npm install mermaid@{version} failed:\n{done.stderr[-2000:]}")
    (folder / MARKER).write_text(_wanted(version), encoding="utf-8")


def parse(texts: Sequence[str]) -> list[list[Parsed]]:
    """Each text as every checked mermaid version reads it: ``result[i]`` holds one
    :class:`Parsed` per version for ``texts[i]``."""
    found: list[list[Parsed]] = [[] for _ in texts]
    for version in VERSIONS:
        folder = _installed(version)
        done = subprocess.run(["node", "parse.mjs"], cwd=folder, input=json.dumps(list(texts)),
                              capture_output=True, text=True, timeout=120, check=True)
        for index, result in enumerate(json.loads(done.stdout)):
            entities = {entity["id"]: entity for entity in result.get("entities", [])}
            found[index].append(Parsed(version, result.get("error"), entities,
                                       result.get("relationships", [])))
    return found
