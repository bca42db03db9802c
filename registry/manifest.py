"""YAML/JSON manifests <-> models, with errors that name the file, the line, the record and the field."""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from registry.errors import InvalidInput, Problem
from registry.files import read_input
from registry.model import (
    SECTIONS,
    Registry,
    RegistryFragment,
    duplicate_id_problems,
    duplicate_problems,
    raw_reference_problems,
    share_field_sets,
    validation_problems,
)

# A manifest of a 100,000-flow group is ~40 MiB; past this limit the input is refused before parsing.
MAX_MANIFEST_BYTES = 256 * 1024 * 1024
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass
class SourceMap:
    """Where each record of a manifest stands, to point an error at the line to edit."""

    file: str
    record_lines: dict[tuple[str, int], int] = field(default_factory=dict)
    field_lines: dict[tuple[str, int, str], int] = field(default_factory=dict)
    ids: dict[tuple[str, int], str] = field(default_factory=dict)
    index_of: dict[tuple[str, str], int] = field(default_factory=dict)

    def locate(self, problem: Problem) -> Problem:
        """The problem with file, index, id and line filled in from this manifest."""
        index = problem.index
        if index is None and problem.section and problem.record_id is not None:
            index = self.index_of.get((problem.section, problem.record_id))
        record_id = problem.record_id
        line = problem.line
        if problem.section and index is not None:
            record_id = record_id if record_id is not None else self.ids.get((problem.section, index))
            line = self.field_line(problem.section, index, problem.field) or self.record_lines.get(
                (problem.section, index)
            )
        elif problem.field:
            line = self.field_lines.get(("", -1, problem.field.split(".")[0]))
        return Problem(problem.message, file=self.file, line=line, section=problem.section,
                       index=index, record_id=record_id, field=problem.field)

    def field_line(self, section: str, index: int, field: str | None) -> int | None:
        """The line of the most specific key of `field` the file shows (`match.receiver.kinds.0`: the line of
        `kinds:` in a house rule; a flow's `categories.3`: the line of `categories:`)."""
        parts = (field or "").split(".")
        for end in range(len(parts), 0, -1):
            line = self.field_lines.get((section, index, ".".join(parts[:end])))
            if line is not None:
                return line
        return None


@dataclass
class Manifest:
    """The records that validated on their own, and the problems of those that did not."""

    fragment: RegistryFragment
    sources: SourceMap
    problems: list[Problem]
    kind: str = "manifest"  # what the user gave us, for the error's first line
    # Records that failed their own validation, as written (by section: file index, mapping), and every id the
    # input declares, valid or not: their references are still checked, and references to them are not dangling.
    invalid: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    declared: dict[str, set[str]] = field(default_factory=dict)
    # Sections the input's format cannot hold (a workbook has no sheet for house rules): a replace keeps them as
    # stored rather than deleting them.
    kept: frozenset[str] = frozenset()

    def invalid_reference_problems(self, known: dict[str, set[str]]) -> list[Problem]:
        """Dangling references of the records that failed validation, so one run reports both kinds."""
        return raw_reference_problems(self.invalid, known)

    @classmethod
    def of(cls, fragment: RegistryFragment, source: str) -> Manifest:
        """Records built in code (a CLI command, a dashboard form) treated like a manifest named `source`."""
        sources = SourceMap(source)
        for section in SECTIONS:
            for index, record in enumerate(fragment.section(section)):
                sources.index_of.setdefault((section, record.id), index)  # type: ignore[attr-defined]
        return cls(fragment, sources, duplicate_problems(fragment), kind="input")

    def raise_problems(self, more: list[Problem] = ()) -> None:  # type: ignore[assignment]
        """Raise InvalidInput with every problem (these and `more`), in file order."""
        # `more` was found on the registry merged with the store, whose positions mean nothing here.
        problems = self.problems + [self.sources.locate(replace(p, index=None)) for p in more]
        if problems:
            problems.sort(key=lambda p: (p.file or "", p.line or 0, p.section or "", p.index or 0, p.field or ""))
            raise InvalidInput(problems, summary=f"invalid {self.kind} {self.sources.file}")


def _fail(file: str, message: str, line: int | None = None) -> InvalidInput:
    return InvalidInput([Problem(message, file=file, line=line)], summary=f"cannot read {file}")


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, with a value its constructors cannot build (an unquoted 2025-02-30, an integer of
    more than 4,300 digits) reported as a YAML error at its line instead of escaping as a ValueError."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as error:
            raise yaml.constructor.ConstructorError(
                None, None, f"{_shortened(str(node.value))!r} cannot be read as {node.tag.rsplit(':', 1)[-1]}: {error} "
                "(quote it to keep it as text)", node.start_mark) from None


def _shortened(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _yaml_document(text: str, file: str, sources: SourceMap, sections: Collection[str] = SECTIONS,
                  records_of: str | None = None) -> Any:
    """A YAML document read as a manifest is (anchors, aliases and repeated keys refused), with the line of each
    item of the top-level lists named `sections` and of each of its keys recorded in `sources`. `records_of`: a
    file of one section's records alone (a policies file), read as that section."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if records_of is not None:
            node = _as_section(node, records_of)
        _map_lines(node, sources, file, sections)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        raise _fail(file, f"not valid YAML: {error.problem}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as error:
        raise _fail(file, f"not valid YAML: {error}") from None
    except RecursionError:
        raise _fail(file, "nesting is too deep for a manifest") from None
    finally:
        loader.dispose()


def _as_section(node: yaml.Node, section: str) -> yaml.Node:
    """One record (a mapping without the section's key) or a list of records, as the document `{section: [...]}`
    whose records keep their own lines."""
    if isinstance(node, yaml.MappingNode) and any(isinstance(key, yaml.ScalarNode) and key.value == section
                                                  for key, _ in node.value):
        return node  # already a document with the section
    if isinstance(node, yaml.MappingNode):
        node = yaml.SequenceNode("tag:yaml.org,2002:seq", [node], node.start_mark, node.end_mark)
    if not isinstance(node, yaml.SequenceNode):
        return node  # neither: refused as a manifest that is no mapping
    key = yaml.ScalarNode("tag:yaml.org,2002:str", section, node.start_mark, node.start_mark)
    return yaml.MappingNode("tag:yaml.org,2002:map", [(key, node)], node.start_mark, node.end_mark)


def _duplicate_key(file: str, key: object, first_line: int, second_line: int) -> Problem:
    return Problem(f"key {key!r} appears twice in one mapping (lines {first_line} and {second_line}); "
                   "one would silently replace the other: merge them or remove one", file=file, line=second_line)


def _map_lines(root: yaml.Node, sources: SourceMap, file: str, sections: Collection[str]) -> None:
    """Record line numbers, refuse duplicate keys, and refuse anchors/aliases: a manifest never needs them, and
    an alias bomb (a few lines that expand to billions of nodes) must not reach the validator."""
    seen: set[int] = set()
    duplicates: list[Problem] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise _fail(file, "YAML anchors and aliases (&, *) are not allowed in a manifest; write records out",
                        node.start_mark.line + 1)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first_line: dict[tuple[str, str], int] = {}
            for key, value in node.value:
                stack.extend((key, value))
                if isinstance(key, yaml.ScalarNode):
                    line = key.start_mark.line + 1
                    if (key.tag, key.value) in first_line:
                        duplicates.append(_duplicate_key(file, key.value, first_line[(key.tag, key.value)], line))
                    else:
                        first_line[(key.tag, key.value)] = line
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    if duplicates:
        duplicates.sort(key=lambda p: p.line or 0)
        raise InvalidInput(duplicates, summary=f"invalid manifest {file}")
    if not isinstance(root, yaml.MappingNode):
        return
    for key, value in root.value:
        sources.field_lines[("", -1, str(key.value))] = key.start_mark.line + 1
        if key.value not in sections or not isinstance(value, yaml.SequenceNode):
            continue
        for index, item in enumerate(value.value):
            sources.record_lines[(key.value, index)] = item.start_mark.line + 1
            if isinstance(item, yaml.MappingNode):
                _map_field_lines(item, sources, key.value, index, "")


def _map_field_lines(node: yaml.MappingNode, sources: SourceMap, section: str, index: int, prefix: str) -> None:
    """The line of each key of a record, nested keys as dotted paths (a house rule's `match.receiver.kinds`,
    `exceptions.0.flow`). Lists of plain values are not itemised: a flow's categories stay one entry, so a
    manifest of 100,000 flows maps no more lines than it has keys."""
    for item_key, item_value in node.value:
        path = f"{prefix}{item_key.value}"
        sources.field_lines[(section, index, path)] = item_key.start_mark.line + 1
        if isinstance(item_value, yaml.MappingNode):
            _map_field_lines(item_value, sources, section, index, f"{path}.")
        elif isinstance(item_value, yaml.SequenceNode):
            for position, element in enumerate(item_value.value):
                if isinstance(element, yaml.MappingNode):
                    sources.field_lines[(section, index, f"{path}.{position}")] = element.start_mark.line + 1
                    _map_field_lines(element, sources, section, index, f"{path}.{position}.")


class _DuplicateKey(Exception):
    pass


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise _DuplicateKey
    return document


def _json_document(text: str, file: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except _DuplicateKey:
        raise InvalidInput(_json_duplicate_keys(text, file), summary=f"invalid manifest {file}") from None
    except json.JSONDecodeError as error:
        raise _fail(file, f"not valid JSON: {error.msg}", error.lineno) from None
    except RecursionError:
        raise _fail(file, "nesting is too deep for a manifest") from None
    except ValueError as error:  # a number Python will not convert (more than 4,300 digits)
        raise _fail(file, f"not valid JSON: {error}") from None


def _json_duplicate_keys(text: str, file: str) -> list[Problem]:
    """Each repeated key with the lines of both occurrences. json's C parser gives no positions, so the text is
    parsed again with its pure-Python scanner, which hands each value's offset to the object parser; this runs
    only for a file already known to repeat a key."""
    problems: list[Problem] = []

    def line_at(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    def parse_object(s_and_end: tuple[str, int], strict: bool, scan_once: Any, object_hook: Any,
                     object_pairs_hook: Any, memo: Any = None) -> tuple[dict[str, Any], int]:
        starts: list[int] = []

        def recording(string: str, index: int) -> Any:
            starts.append(index)
            return scan_once(string, index)

        pairs, end = json.decoder.JSONObject(s_and_end, strict, recording, None, list, memo)
        first: dict[str, int] = {}
        for (key, _), start in zip(pairs, starts, strict=False):
            if key in first:
                problems.append(_duplicate_key(file, key, line_at(first[key]), line_at(start)))
            else:
                first[key] = start
        return dict(pairs), end

    decoder = json.JSONDecoder()
    decoder.parse_object = parse_object  # type: ignore[assignment]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    decoder.decode(text)
    problems.sort(key=lambda p: p.line or 0)
    return problems


class _Irregular(Exception):
    """The streamed reading met something it leaves to the whole-document reading (which words the error)."""


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STREAMING_DECODER = json.JSONDecoder(object_pairs_hook=_refuse_duplicate_keys)


def _streamed_json(data: bytes, file: str) -> Manifest | None:
    """A JSON manifest validated record by record while it is parsed: each record of a section's list is decoded
    on its own and validated at once, so the parsed mappings of a whole manifest (about 190 MB at 20,000 flows)
    never exist together with the models. The same results as the whole-document reading; None for anything
    irregular (invalid JSON, a repeated key, a document that is no mapping), which that reading then refuses
    with its own words."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    validator = _RecordValidator(SourceMap(file))
    try:
        head = _stream_sections(text, validator)
    except (_Irregular, _DuplicateKey, ValueError, RecursionError, IndexError):  # JSONDecodeError is a ValueError
        return None
    return validator.finish(head)


def _stream_sections(text: str, validator: _RecordValidator) -> dict[str, Any]:
    """Walk the top-level mapping, handing each record of a section's list to `validator`; the other keys'
    values are returned as they are."""
    skip, decode = _WHITESPACE.match, _STREAMING_DECODER.raw_decode
    head: dict[str, Any] = {}
    seen: set[str] = set()
    at = skip(text, 0).end()  # type: ignore[union-attr]
    if text[at] != "{":
        raise _Irregular
    at = skip(text, at + 1).end()  # type: ignore[union-attr]
    while text[at] != "}":
        if text[at] != '"':
            raise _Irregular
        key, at = decode(text, at)
        at = skip(text, at).end()  # type: ignore[union-attr]
        if text[at] != ":" or key in seen:
            raise _Irregular
        seen.add(key)
        at = skip(text, at + 1).end()  # type: ignore[union-attr]
        if key in SECTIONS and text[at] == "[":
            at = skip(text, at + 1).end()  # type: ignore[union-attr]
            index = 0
            validator.records.setdefault(key, [])
            while text[at] != "]":
                item, at = decode(text, at)
                validator.add(key, index, item)
                index += 1
                at = skip(text, at).end()  # type: ignore[union-attr]
                if text[at] == ",":
                    at = skip(text, at + 1).end()  # type: ignore[union-attr]
                    if text[at] == "]":
                        raise _Irregular  # a trailing comma
                elif text[at] != "]":
                    raise _Irregular
            at += 1
        else:
            head[key], at = decode(text, at)
        at = skip(text, at).end()  # type: ignore[union-attr]
        if text[at] == ",":
            at = skip(text, at + 1).end()  # type: ignore[union-attr]
            if text[at] == "}":
                raise _Irregular
        elif text[at] != "}":
            raise _Irregular
    if skip(text, at + 1).end() != len(text):  # type: ignore[union-attr]
        raise _Irregular
    return head


def read_document(data: bytes, file: str, sources: SourceMap, sections: Collection[str] = SECTIONS,
                  records_of: str | None = None) -> Any:
    """The document a YAML or JSON file holds, read as a manifest is: UTF-8 only, repeated keys, anchors and
    aliases refused, each item's line recorded in `sources`. Manifests and what-if scenarios both read this way."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _fail(file, f"not UTF-8 text (byte {error.start})", line) from None
    if not file.lower().endswith(".json"):
        return _yaml_document(text, file, sources, sections, records_of=records_of)
    document = _json_document(text, file)
    if records_of is not None and isinstance(document, dict) and records_of not in document:
        document = [document]
    if records_of is not None and isinstance(document, list):
        document = {records_of: document}
    return document


def parse(data: bytes, file: str, *, records_of: str | None = None) -> Manifest:
    """Parse a manifest's bytes and validate each record; unreadable input raises InvalidInput. `records_of`: the
    input may also be records of that section on their own (one record, or a list of them)."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise _fail(file, f"the file is {len(data):,} bytes; manifests are limited to {MAX_MANIFEST_BYTES:,}")
    if records_of is None and file.lower().endswith(".json"):
        streamed = _streamed_json(data, file)
        if streamed is not None:
            return streamed
    sources = SourceMap(file)
    document = read_document(data, file, sources, records_of=records_of)
    if not isinstance(document, dict):
        raise _fail(file, "a manifest is a mapping with keys such as version, processors, flows")
    return validate_document(document, sources)


def validate_document(document: dict[str, Any], sources: SourceMap) -> Manifest:
    """Validate a manifest's document (or a workbook's, read into the same shape) record by record."""
    validator = _RecordValidator(sources)
    return validator.finish(dict(document))


class _RecordValidator:
    """Validates records one at a time as they are read, so that a streamed manifest never holds its records both
    as parsed mappings and as models; the result is assembled in section order whatever order the file has."""

    def __init__(self, sources: SourceMap) -> None:
        self.sources = sources
        self.records: dict[str, list[Any]] = {}
        self.problems: dict[str, list[Problem]] = {}
        self.raw_ids: dict[str, list[tuple[str, int, str]]] = {}
        self.invalid: dict[str, list[tuple[int, dict[str, Any]]]] = {}

    def add(self, section: str, index: int, item: Any) -> None:
        valid = self.records.setdefault(section, [])
        key = item.get("finding" if section == "acknowledgements" else "id") if isinstance(item, dict) else None
        if isinstance(key, str):
            self.sources.ids[(section, index)] = key
            self.sources.index_of.setdefault((section, key), index)
            self.raw_ids.setdefault(section, []).append((section, index, key))
        model = SECTIONS[section]
        # One record at a time, so one bad record never hides another.
        try:
            valid.append(model.model_validate(item))
        except ValidationError as error:
            self.problems.setdefault(section, []).extend(
                replace(p, section=section, index=index) for p in validation_problems(error, model))
            if isinstance(item, dict):
                self.invalid.setdefault(section, []).append((index, item))

    def finish(self, head: dict[str, Any]) -> Manifest:
        """The manifest, with `head`'s sections (those not added record by record) validated first."""
        problems: list[Problem] = []
        for section in SECTIONS:
            items = head.pop(section, None)
            if items is not None and not isinstance(items, list):
                problems.append(Problem(f"{section} is a list of records", section=section))
                continue
            for index, item in enumerate(items or ()):
                self.add(section, index, item)
            if items is not None:
                self.records.setdefault(section, [])
            problems += self.problems.get(section, [])
        records = {section: self.records[section] for section in SECTIONS if section in self.records}
        try:
            fragment = RegistryFragment.model_validate(head).model_copy(update=records)
        except ValidationError as error:
            problems += validation_problems(error, RegistryFragment)
            fragment = RegistryFragment().model_copy(update=records)
        share_field_sets(fragment)
        raw_ids = [entry for section in SECTIONS for entry in self.raw_ids.get(section, [])]
        problems += duplicate_id_problems(raw_ids)
        declared: dict[str, set[str]] = {}
        for section, _, key in raw_ids:
            declared.setdefault(section, set()).add(key)
        invalid = {section: self.invalid[section] for section in SECTIONS if section in self.invalid}
        return Manifest(fragment, self.sources, [self.sources.locate(p) for p in problems], invalid=invalid,
                        declared=declared)


def load(path: str | Path) -> Manifest:
    return parse(read_input(path, MAX_MANIFEST_BYTES, what="manifests"), str(path))


POLICIES = "policies"
POLICIES_KIND = "policies file"


def load_policies(path: str | Path) -> Manifest:
    """A policies file (`--policies`): a manifest that holds house rules only (`version` and `policies`)."""
    return policies_only(load(path))


def parse_policies(data: bytes, file: str) -> Manifest:
    """House rules as text: a policies file, or rules on their own (one rule, or a list of them)."""
    return policies_only(parse(data, file, records_of=POLICIES))


def policies_only(manifest: Manifest) -> Manifest:
    """`manifest`, refused (with every other problem) if it holds anything but house rules."""
    if manifest.kind == POLICIES_KIND:
        return manifest  # already looked at
    fragment = manifest.fragment
    present = [name for name in SECTIONS if name != POLICIES and (fragment.section(name) or name in manifest.declared)]
    present += ["organisation"] if fragment.organisation is not None else []
    present += ["countries_of_operation"] if fragment.countries_of_operation else []
    problems = [manifest.sources.locate(Problem(
        f"a policies file holds only 'policies' (and 'version'); {name} belong in the manifest", field=name))
        for name in present]
    manifest.problems = problems + manifest.problems
    manifest.kind = POLICIES_KIND
    return manifest


@dataclass
class PolicySources(SourceMap):
    """Where the records of a manifest and of the policies file given beside it stand: house rules are located in
    the policies file, everything else in the manifest."""

    manifest: SourceMap | None = None
    policies: SourceMap | None = None

    def locate(self, problem: Problem) -> Problem:
        chosen = self.policies if problem.section == POLICIES else self.manifest
        assert chosen is not None
        return chosen.locate(problem)


def with_policies(manifest: Manifest, policies: Manifest) -> Manifest:
    """The manifest and a policies file read as one input, written all or nothing."""
    if manifest.fragment.policies or POLICIES in manifest.declared:
        raise InvalidInput([manifest.sources.locate(Problem(
            f"the manifest has its own 'policies'; give house rules either there or in {policies.sources.file}, "
            "not both", field=POLICIES))], summary=f"invalid manifest {manifest.sources.file}")
    own = manifest.sources
    sources = PolicySources(own.file, own.record_lines, own.field_lines, own.ids, own.index_of,
                            manifest=own, policies=policies.sources)
    fragment = manifest.fragment.model_copy(update={POLICIES: policies.fragment.policies})
    declared = {**manifest.declared, **{k: v for k, v in policies.declared.items() if k == POLICIES}}
    return Manifest(fragment, sources, manifest.problems + policies.problems, kind=manifest.kind,
                    invalid={**manifest.invalid, **policies.invalid}, declared=declared)


def to_document(registry: RegistryFragment) -> dict[str, Any]:
    """The manifest form of a registry: manifest key names, defaults left out, version first."""
    body = registry.model_dump(mode="json", by_alias=True, exclude_defaults=True, exclude_none=True)
    return {"version": registry.version, **{k: v for k, v in body.items() if k != "version"}}


def dump(registry: Registry | RegistryFragment, fmt: str = "yaml") -> str:
    document = to_document(registry)
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    raise ValueError(f"unknown manifest format {fmt!r}; use yaml or json")
