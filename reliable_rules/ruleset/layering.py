"""Read rule files, layer them (``extends``/``disable``/override by id), and compile them:
what :func:`~reliable_rules.ruleset.loader.load_rules` does when no cache answers.

Layering: a file's own rules come first, then its bases' rules in ``extends`` order; a rule
whose id equals a base rule's id replaces that rule in place; ``disable`` drops base rules by
id. Conditions and categories are merged by name, ``invariants`` by id (this file's win), so
redefining a condition changes every base rule that uses it. ``retry_after`` is replaced, not
merged; ``policy`` is merged key by key.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path as FsPath
from types import MappingProxyType
from typing import Any

from reliable_rules._text import closest
from reliable_rules.engine.classifier import Classifier
from reliable_rules.engine.extractors import Extractor
from reliable_rules.engine.nodes import Never, Node
from reliable_rules.errors import Problem, RuleSetError, RuleSourceError
from reliable_rules.ruleset import codecache, doccache
from reliable_rules.ruleset.access import (
    extends_permitted,
    read_rule_file,
)
from reliable_rules.ruleset.compile import (
    ConditionSource,
    MatcherCompiler,
    compile_extractor,
)
from reliable_rules.ruleset.invariants import compile_invariants, refused_categories
from reliable_rules.ruleset.memo import DocumentKey, LoadMemo, document_key
from reliable_rules.ruleset.model import Policy, Rule, RuleSet, RuleTest
from reliable_rules.ruleset.resources import resolved_rules_dir
from reliable_rules.ruleset.schema import FORMAT, validate_document
from reliable_rules.ruleset.sourcemap import Path, SourceMap, YamlDocument, decode
from reliable_rules.ruleset.sources import (
    BUILTIN_PREFIX,
    _texts,
    no_match_conflicts,
    resolve_source,
    shown_path,
)
from reliable_rules.sanitize import compact, sanitize
from reliable_rules.taxonomy import DEFAULT_CATEGORIES, UNKNOWN, Action, Category

__all__ = ["build"]

logger = logging.getLogger("reliable_rules")


# ── loading ─────────────────────────────────────────────────────────────────────────────


# Plain classes, not dataclasses: creating a dataclass costs every fresh process about a
# millisecond; specs and layers are told apart by identity, never compared.
class _RuleSpec:
    __slots__ = ("data", "id", "path", "ruleset", "source")

    def __init__(
        self, id: str, data: dict[str, Any], source: SourceMap, path: Path, ruleset: str
    ) -> None:
        self.id = id
        self.data = data
        self.source = source
        self.path = path
        self.ruleset = ruleset


class _Layer:
    __slots__ = (
        "categories", "conditions", "files", "invariants", "name", "policy", "retry_after",
        "revision", "rules", "shadowed",
    )

    def __init__(  # noqa: PLR0917 — one positional parameter per field, as the dataclass had
        self,
        name: str,
        revision: str,
        files: list[str],
        rules: list[_RuleSpec],
        conditions: dict[str, ConditionSource],
        categories: dict[str, tuple[dict[str, Any], SourceMap, Path]],
        retry_after: tuple[list[Any], SourceMap] | None,
        policy: dict[str, Any],
        # Rules that lost to an earlier rule with the same id: never evaluated, but still
        # checked, so their own defects are reported with everything else.
        shadowed: list[_RuleSpec],
        # Declared invariants by id, merged like categories (this file's win).
        invariants: dict[str, tuple[dict[str, Any], SourceMap, Path]],
    ) -> None:
        self.name = name
        self.revision = revision
        self.files = files
        self.rules = rules
        self.conditions = conditions
        self.categories = categories
        self.retry_after = retry_after
        self.policy = policy
        self.shadowed = shadowed
        self.invariants = invariants


def _shipped_name(path: FsPath) -> str | None:
    """``builtin:`` plus the path below the shipped rules directory, or None outside it."""
    try:
        relative = path.relative_to(resolved_rules_dir())
    except ValueError:
        return None
    return BUILTIN_PREFIX + relative.as_posix()


def _merge_policy(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge_policy(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


#: Problem codes that mean "this is not a rule file" rather than "this rule file has a defect".
_NOT_A_RULE_FILE = frozenset(
    {"format-version", "yaml-syntax", "yaml-tag", "yaml-key", "yaml-alias", "encoding", "empty"}
)


class _Loader:
    def __init__(
        self,
        home: FsPath | None = None,
        allow: tuple[FsPath, ...] = (),
        memo: LoadMemo | None = None,
    ) -> None:
        # The rule set's own folder (that of the file loaded first) and the extra allowed
        # paths: ``extends`` reads nothing outside them.
        self.home = home
        self.allow = allow
        # A call's memo of parses (lint of a directory), and the files this load read.
        self.memo = memo
        self.read: list[DocumentKey] = []
        self.problems: list[Problem] = []
        self._claims_format: set[FsPath] = set()
        self._done: dict[FsPath, _Layer | None] = {}
        self._stack: list[FsPath] = []
        self._names: dict[FsPath, str] = {}

    def load(self, path: FsPath, reference: str) -> _Layer | None:
        if path in self._done:
            return self._done[path]
        if self.home is None:
            self.home = path.parent
        self._names.setdefault(path, shown_path(path, reference))
        self._stack.append(path)
        try:
            layer = self._load_file(path)
        finally:
            self._stack.pop()
        self._done[path] = layer
        return layer

    def _load_file(self, path: FsPath) -> _Layer | None:
        if not self._stack[:-1]:
            return self._read_file(path)
        # A base: when it is no rule file at all, say so once, without quoting what it holds
        # (its YAML or schema errors would echo lines of whatever file it is).
        before = len(self.problems)
        layer = self._read_file(path)
        problems = self.problems[before:]
        if (
            layer is None
            and path not in self._claims_format
            and any(p.code in _NOT_A_RULE_FILE for p in problems)
        ):
            shown = self._names[path]
            del self.problems[before:]
            self.problems.append(
                Problem(shown, 1, 1, f"not a {FORMAT} rule file", "extends-not-rules")
            )
        return layer

    def _read_file(self, path: FsPath) -> _Layer | None:
        shown = self._names[path]
        try:
            raw = _texts[shown] if shown in _texts else read_rule_file(path)
            if FORMAT.encode() in raw:
                # It says it is a rule file: its defects are worth reporting in full.
                self._claims_format.add(path)
        except OSError as error:
            self.problems.append(
                Problem(
                    shown, 1, 1, f"cannot read rule file: {error.strerror or error}", "unreadable"
                )
            )
            return None
        shipped = shown.startswith(BUILTIN_PREFIX)
        key = document_key(path, shown, raw) if self.memo is not None else None
        if key is not None:
            self.read.append(key)
        document = self._document(raw, shown, shipped, key)
        if document is None:
            return None
        data, source = document.data, document.source
        if (
            self._stack[:-1]
            and path not in self._claims_format
            and (not isinstance(data, dict) or data.get("format") != FORMAT)
        ):
            # A base that does not even claim to be a rule file: stop before the schema
            # check, whose messages would quote its values.
            self.problems.append(
                Problem(shown, 1, 1, f"not a {FORMAT} rule file", "extends-not-rules")
            )
            return None
        # A shipped file reached as builtin:NAME is valid (tests/ruleset/test_shipped_valid.py
        # proves it at test time); `reliable-rules validate rules/` reaches them by path and
        # still checks them fully. The schema check is 40% of loading builtin:default.
        schema_problems = [] if shipped else self._schema_problems(document, key)
        self.problems.extend(schema_problems)
        if not isinstance(data, dict) or any(p.code == "format-version" for p in schema_problems):
            return None
        return self._layer(path, data, source)

    def _document(
        self, raw: bytes, shown: str, shipped: bool, key: DocumentKey | None
    ) -> YamlDocument | None:
        """The parsed file (its decode and parse problems reported), once per call's memo."""
        if key is not None and self.memo is not None and key in self.memo.parsed:
            document, problems = self.memo.parsed[key]
            self.problems.extend(problems)
            return document
        before = len(self.problems)
        document = doccache.read(raw, shown) if shipped else None
        if document is None:
            document = self._parse(raw, shown, shipped)
        if key is not None and self.memo is not None:
            self.memo.parsed[key] = (document, tuple(self.problems[before:]))
        return document

    def _parse(self, raw: bytes, shown: str, shipped: bool) -> YamlDocument | None:
        text, problems = decode(shown, raw)
        self.problems.extend(problems)
        if text is None:
            return None
        # PyYAML is imported only here: a cached built-in set never needs it
        from reliable_rules.ruleset.yamlpos import parse_yaml  # noqa: PLC0415

        document, problems = parse_yaml(shown, text)
        self.problems.extend(problems)
        if document is None:
            return None
        if shipped and not problems:
            doccache.write(raw, document)
        return document

    def _schema_problems(self, document: YamlDocument, key: DocumentKey | None) -> list[Problem]:
        """The document's schema problems; checked once per call's memo (the check marks the
        rejected parts in the document's source map, which the memo keeps with it)."""
        if key is not None and self.memo is not None:
            if key not in self.memo.checked:
                self.memo.checked[key] = tuple(validate_document(document.data, document.source))
            return list(self.memo.checked[key])
        return validate_document(document.data, document.source)

    def _bases(self, path: FsPath, data: dict[str, Any], source: SourceMap) -> list[_Layer]:
        extends = data.get("extends", [])
        entries = (
            [extends] if isinstance(extends, str) else extends if isinstance(extends, list) else []
        )
        bases: list[_Layer] = []
        for index, reference in enumerate(entries):
            where: Path = ("extends",) if isinstance(extends, str) else ("extends", index)
            if not isinstance(reference, str):
                continue
            target, message = resolve_source(reference, path.parent)
            if target is None:
                self.problems.append(
                    source.problem(where, f"extends: {message}", "extends-missing")
                )
                continue
            if not reference.startswith(BUILTIN_PREFIX) and not extends_permitted(
                target, self.home or path.parent, self.allow
            ):
                # Nothing of the file is read: a rule file from a pull request must not make
                # the loader open (and quote) ~/.aws/credentials or /etc/shadow.
                self.problems.append(
                    source.problem(
                        where,
                        f"extends: {compact(reference, limit=200)!r} is outside the rule set's "
                        "folder; allow it with load_rules(..., allow_paths=[...]) or "
                        "--allow-path",
                        "extends-outside",
                    )
                )
                continue
            if target in self._stack:
                cycle = " -> ".join(
                    self._names.get(p, shown_path(p, reference))
                    for p in [*self._stack[self._stack.index(target) :], target]
                )
                self.problems.append(
                    source.problem(where, f"extends cycle: {cycle}", "extends-cycle")
                )
                continue
            if self._names[path].startswith(BUILTIN_PREFIX) and not reference.startswith(
                BUILTIN_PREFIX
            ):
                # A file a built-in set extends by relative path is part of the shipped set:
                # name it as such (builtin:default/context.yaml), not by a site-packages path.
                shipped = _shipped_name(target)
                if shipped is not None:
                    self._names.setdefault(target, shipped)
            base = self.load(target, reference)
            if base is not None:
                bases.append(base)
        return bases

    def _layer(  # noqa: PLR0915 — one sequential merge; split up, the layering order is lost
        self, path: FsPath, data: dict[str, Any], source: SourceMap
    ) -> _Layer:
        raw_name, raw_revision = data.get("name"), data.get("revision")
        name: str = raw_name if isinstance(raw_name, str) else path.stem
        revision: str = raw_revision if isinstance(raw_revision, str) else "0"
        bases = self._bases(path, data, source)

        conditions: dict[str, ConditionSource] = {}
        categories: dict[str, tuple[dict[str, Any], SourceMap, Path]] = {}
        policy: dict[str, Any] = {}
        retry_after: tuple[list[Any], SourceMap] | None = None
        base_rules: list[_RuleSpec] = []
        files: list[str] = []
        shadowed: list[_RuleSpec] = []
        invariants: dict[str, tuple[dict[str, Any], SourceMap, Path]] = {}
        for base in bases:
            shadowed.extend(base.shadowed)
            conditions.update(base.conditions)
            categories.update(base.categories)
            invariants.update(base.invariants)
            policy = _merge_policy(policy, base.policy)
            if retry_after is None:
                retry_after = base.retry_after
            files.extend(f for f in base.files if f not in files)
            known = {rule.id for rule in base_rules}
            base_rules.extend(rule for rule in base.rules if rule.id not in known)
        files.append(source.file)

        for key, value in (
            (data.get("conditions") or {}).items()
            if isinstance(data.get("conditions"), dict)
            else ()
        ):
            conditions[key] = ConditionSource(value, source, ("conditions", key))
        for key, value in (
            (data.get("categories") or {}).items()
            if isinstance(data.get("categories"), dict)
            else ()
        ):
            if isinstance(value, dict):
                categories[key] = (value, source, ("categories", key))
        self._invariants(data, source, invariants)
        if isinstance(data.get("policy"), dict):
            policy = _merge_policy(policy, data["policy"])
        if isinstance(data.get("retry_after"), list):
            retry_after = (data["retry_after"], source)

        disabled = (
            {item for item in data.get("disable", []) if isinstance(item, str)}
            if isinstance(data.get("disable"), list)
            else set()
        )
        base_rules = [rule for rule in base_rules if rule.id not in disabled]
        positions = {rule.id: index for index, rule in enumerate(base_rules)}
        own: list[_RuleSpec] = []
        seen: dict[str, tuple[int, int]] = {}
        for index, rule in enumerate(
            data.get("rules", []) if isinstance(data.get("rules"), list) else []
        ):
            if not isinstance(rule, dict) or not isinstance(rule.get("id"), str):
                continue
            rule_id = rule["id"]
            here: Path = ("rules", index)
            if rule_id in seen:
                line, column = seen[rule_id]
                self.problems.append(
                    source.problem(
                        (*here, "id"),
                        f"duplicate rule id {rule_id!r} "
                        f"(first used at line {line}, column {column})",
                        "duplicate-id",
                    )
                )
                shadowed.append(_RuleSpec(rule_id, rule, source, here, name))
                continue
            seen[rule_id] = source.value((*here, "id"))
            spec = _RuleSpec(rule_id, rule, source, here, name)
            if rule_id in positions:
                base_rules[positions[rule_id]] = spec
            else:
                own.append(spec)
        return _Layer(
            name,
            revision,
            files,
            own + base_rules,
            conditions,
            categories,
            retry_after,
            policy,
            shadowed,
            invariants,
        )

    def _invariants(
        self,
        data: dict[str, Any],
        source: SourceMap,
        invariants: dict[str, tuple[dict[str, Any], SourceMap, Path]],
    ) -> None:
        """Add this file's ``invariants:`` (by id, over the bases'); report repeated ids."""
        items = data.get("invariants")
        seen: dict[str, tuple[int, int]] = {}
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            here: Path = ("invariants", index)
            if item["id"] in seen:
                line, column = seen[item["id"]]
                self.problems.append(
                    source.problem(
                        (*here, "id"),
                        f"duplicate invariant id {item['id']!r} "
                        f"(first used at line {line}, column {column})",
                        "duplicate-id",
                    )
                )
                continue
            seen[item["id"]] = source.value((*here, "id"))
            invariants[item["id"]] = (item, source, here)


_ACTIONS = frozenset(action.value for action in Action)


def _category(name: str, spec: Mapping[str, Any]) -> Category:
    retryable = bool(spec.get("retryable", True))
    action = spec.get("action")
    if not isinstance(action, str) or action not in _ACTIONS:  # absent or invalid (reported)
        action = "retry" if retryable else "next_provider"
    return Category(
        name=name,
        retryable=retryable,
        rate_limited=bool(spec.get("rate_limited", False)),
        action=Action(action),
        rotate_key=bool(spec.get("rotate_key", False)),
        description=str(spec.get("description", "")),
    )


def _policy(data: Mapping[str, Any]) -> Policy:
    backoff = data.get("backoff", {})
    defaults = Policy()
    return Policy(
        backoff_base_ms=int(backoff.get("base_ms", defaults.backoff_base_ms)),
        backoff_floor_ms=int(backoff.get("floor_ms", defaults.backoff_floor_ms)),
        backoff_factor=float(backoff.get("factor", defaults.backoff_factor)),
        backoff_max_ms=int(backoff.get("max_ms", defaults.backoff_max_ms)),
        jitter=str(backoff.get("jitter", defaults.jitter)),
        retry_after_cap_ms=int(data.get("retry_after_cap_ms", defaults.retry_after_cap_ms)),
        over_cap=str(data.get("over_cap", defaults.over_cap)),
        max_wait_ms=_max_wait(data.get("max_wait_ms", defaults.max_wait_ms)),
        regex_budget_ms=int(data.get("regex_budget_ms", defaults.regex_budget_ms)),
    )


def _max_wait(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _tests(
    spec: _RuleSpec,
    category: str,
    categories: Mapping[str, Category],
    rule_ids: set[str],
    problems: list[Problem],
) -> tuple[RuleTest, ...]:
    cases = spec.data.get("tests", [])
    if not isinstance(cases, list):
        return ()
    result: list[RuleTest] = []
    for index, case in enumerate(cases):
        if not isinstance(case, dict):
            continue
        where: Path = (*spec.path, "tests", index)
        line, column = spec.source.value(where)
        no_match = case.get("no_match") is True
        expect = case.get("expect", UNKNOWN if no_match else category)
        if no_match:
            problems.extend(no_match_conflicts(case, spec.source, where))
        if isinstance(expect, str) and expect not in categories:
            problems.append(
                spec.source.problem(
                    (*where, "expect"),
                    f"unknown category {expect!r}{closest(expect, categories)}",
                    "unknown-category",
                )
            )
        wanted_rule = case.get("rule")
        if isinstance(wanted_rule, str) and wanted_rule not in rule_ids:
            problems.append(
                spec.source.problem(
                    (*where, "rule"),
                    f"unknown rule id {wanted_rule!r}{closest(wanted_rule, rule_ids)}",
                    "unknown-rule",
                )
            )
        result.append(
            RuleTest.from_case(
                case,
                rule_id=spec.id,
                file=spec.source.file,
                line=line,
                column=column,
                expect=expect if isinstance(expect, str) else None,
            )
        )
    return tuple(result)


def _lint_ignore(data: Mapping[str, Any]) -> list[Any]:
    lint = data.get("lint")
    ignore = lint.get("ignore") if isinstance(lint, dict) else None
    return ignore if isinstance(ignore, list) else []


def _build(
    layer: _Layer, source_name: str, top_file: str, problems: list[Problem]
) -> RuleSet | None:
    categories: dict[str, Category] = dict(DEFAULT_CATEGORIES)
    for name, (category_spec, category_source, category_path) in layer.categories.items():
        if not category_source.is_rejected(category_path):
            categories[name] = _category(name, category_spec)

    compiler = MatcherCompiler(layer.conditions, problems)
    compiled: list[tuple[str, Node, Category]] = []
    rules: list[Rule] = []
    rule_ids = {spec.id for spec in layer.rules}
    shadowed = {id(spec) for spec in layer.shadowed}
    for spec in [*layer.rules, *layer.shadowed]:
        # Each part is checked unless the schema already rejected it (its problems are
        # reported); a rule with any rejected part, or a shadowed duplicate, is not evaluated.
        when_path, then_path = (*spec.path, "when"), (*spec.path, "then")
        node = (
            Never()
            if spec.source.is_rejected(when_path)
            else compiler.compile(spec.data.get("when"), spec.source, when_path)
        )
        raw_then = spec.data.get("then")
        category_name = raw_then.get("category") if isinstance(raw_then, dict) else None
        if not isinstance(category_name, str) or spec.source.is_rejected(then_path):
            continue
        if category_name not in categories:
            problems.append(
                spec.source.problem(
                    (*spec.path, "then", "category"),
                    f"unknown category {category_name!r}{closest(category_name, categories)}",
                    "unknown-category",
                )
            )
            continue
        if id(spec) in shadowed or spec.source.is_rejected(spec.path):
            continue
        line, column = spec.source.value(spec.path)
        compiled.append((spec.id, node, categories[category_name]))
        references = spec.data.get("references", [])
        rules.append(
            Rule(
                id=spec.id,
                category=category_name,
                description=str(spec.data.get("description", "")),
                file=spec.source.file,
                line=line,
                column=column,
                ruleset=spec.ruleset,
                # A base file's tests are checked when that file is loaded itself: here they may
                # name rules this file disabled.
                tests=_tests(
                    spec,
                    category_name,
                    categories,
                    rule_ids,
                    problems if spec.source.file == top_file else [],
                ),
                references=tuple(str(r) for r in references)
                if isinstance(references, list)
                else (),
                status=str(spec.data.get("status", "stable")),
                lint_ignore=tuple(str(code) for code in _lint_ignore(spec.data)),
            )
        )
    invariants = compile_invariants(layer.invariants, compiler, categories, problems)
    compiler.compile_all_conditions()

    extractors: list[Extractor] = []
    if layer.retry_after is not None:
        entries, source = layer.retry_after
        for index, entry in enumerate(entries):
            extractor = compile_extractor(entry, source, ("retry_after", index), problems)
            if extractor is not None:
                extractors.append(extractor)
    if problems:
        return None
    policy = _policy(layer.policy)
    classifier = Classifier(
        name=layer.name,
        revision=layer.revision,
        rules=compiled,
        categories=categories,
        extractors=extractors,
        max_wait_ms=policy.max_wait_ms,
        regex_budget_ms=policy.regex_budget_ms,
        # the shipped sets' generated code is cached like their parsed files
        compiler=codecache.compiled if source_name.startswith(BUILTIN_PREFIX) else None,
        guards=[
            (invariant.id, invariant.when, refused_categories(invariant, categories))
            for invariant in invariants
            if invariant.enforce and invariant.when is not None
        ],
    )
    return RuleSet(
        name=layer.name,
        revision=layer.revision,
        source=source_name,
        file=top_file,
        files=tuple(layer.files),
        rules=tuple(rules),
        categories=MappingProxyType(categories),
        policy=policy,
        conditions=tuple(sorted(layer.conditions)),
        classifier=classifier,
        unused_conditions=tuple(sorted(set(layer.conditions) - compiler.used_conditions)),
        invariants=invariants,
    )


def _scrubbed(problem: Problem) -> Problem:
    """``problem`` with any secret its message quotes (a value from the file) redacted."""
    message = sanitize(problem.message)
    return problem if message == problem.message else replace(problem, message=message)


def build(
    reference: str,
    allow_paths: Iterable[str | os.PathLike[str]],
    *,
    memo: LoadMemo | None = None,
) -> RuleSet:
    """Read, layer and compile the rule set ``reference`` (see ``load_rules``).

    With ``memo`` (one call's, see ruleset/memo.py), a file parsed or a set built earlier in the
    call with the same bytes is not parsed or built again.
    """
    path, message = resolve_source(reference, None)
    if path is None:
        raise RuleSourceError([Problem(reference, 1, 1, message or "cannot load", "missing-file")])
    allow = tuple(FsPath(p).expanduser().resolve() for p in allow_paths)
    top_file = shown_path(path, reference)
    if memo is not None:
        known = memo.ruleset(path, top_file, allow)
        if known is not None:
            # `source` is what this caller passed; everything else is the same set
            return known if known.source == reference else replace(known, source=reference)
    loader = _Loader(path.parent, allow, memo)
    try:
        layer = loader.load(path, reference)
        problems = loader.problems
        # Compile even when parsing found problems: compile problems (bad regexes, unknown
        # categories) of the same files belong in the same report.
        ruleset = _build(layer, reference, top_file, problems) if layer is not None else None
    except RecursionError:
        raise RuleSetError(
            [Problem(top_file, 1, 1, "the rule set nests too deeply to load", "too-deep")]
        ) from None
    except Exception as error:  # a loader bug must still surface as a Problem, not a traceback
        logger.debug("reliable_rules: internal error loading %s", top_file, exc_info=True)
        raise RuleSetError(
            [
                *loader.problems,
                Problem(
                    top_file,
                    1,
                    1,
                    f"internal error while loading ({type(error).__name__}: {error}); "
                    "please report it with this file",
                    "internal",
                ),
            ]
        ) from error
    if ruleset is None:
        raise RuleSetError(
            [_scrubbed(p) for p in problems]
            or [Problem(reference, 1, 1, "rule set could not be loaded", "invalid")]
        )
    if memo is not None:
        memo.keep(path, top_file, allow, tuple(loader.read), ruleset)
    return ruleset
