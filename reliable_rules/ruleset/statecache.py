"""A cache of the loaded built-in rule sets, whole: a fresh process skips parsing, layering,
compiling and indexing ``builtin:NAME``.

Loading ``builtin:default`` from its parsed files (:mod:`doccache`) and compiled code
(:mod:`codecache`) still builds every node, rule, test case, gate and the literal automaton:
most of what a fresh process spends on ``load_rules()``. The finished :class:`RuleSet` is
stored as one ``pickle`` entry beside those caches (``state-VERSION/`` under the directory of
:mod:`cachefiles`), and the next process reads it back instead. Its ``rules`` (the rules and
their test cases: most of its objects, which classifying never reads) are a pickle of their
own inside it, unpickled on first use (``RuleSet.__getattr__``).

An entry is named by the set's name and a digest of everything its contents depend on: the
package version, this Python (``sys.hexversion`` and its cache tag), the size and mtime of
every module that builds a set (the package's top level, ``engine/``, ``ruleset/``), whether
the accelerators are installed or switched off, and the CRC-32 and length of every shipped
rule file's bytes. The entry repeats that key in full and carries a CRC-32 of its bytes; an
entry that does not match, does not decode, or is not a rule set of that name is ignored, and
the set is built (and the entry written) again.

Trust: unlike ``marshal`` data, a pickle can run code when it is loaded, so these entries are
held to the rules of the code entries (:mod:`codecache`): read only from a directory and file
owned by the current user and writable by nobody else (never through a symlink); written only
by loads of ``builtin:NAME``; ``RELIABLE_RULES_CACHE=0`` switches them off. Loading also only
resolves classes and functions of this package and a few named others (``_FOREIGN``).

What cannot be pickled as it stands is written as what rebuilds it: generated classifier
functions and the closures of ``value_test`` as their code (``marshal``) and namespace,
read-only mappings as their contents, the "not built yet" sentinels and module namespaces by
name. RE2 objects are never stored (the prefilters build at their first use), and nothing is
stored after a set was used: ``load_rules`` writes the entry before returning the set.
"""

from __future__ import annotations

# the C module itself: pickle.py adds imports (struct, _compat_pickle) a warm load never uses
import _pickle as pickle
import contextlib
import gc
import importlib
import io
import logging
import marshal
import os
import sys
import zlib
from importlib.util import find_spec as find
from types import CellType, CodeType, FunctionType, MappingProxyType, ModuleType
from typing import Any

from reliable_rules._version import __version__
from reliable_rules.ruleset.cachefiles import base_dir, private, store
from reliable_rules.ruleset.resources import rules_path

__all__ = ["directory", "load", "save"]

logger = logging.getLogger("reliable_rules")

_FORMAT = 1
_PROTOCOL = 5
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Objects whose identity matters (``x is _UNBUILT``): stored by name, never copied.
_SENTINELS = (
    ("reliable_rules.engine.nodes", "_UNBUILT"),
    ("reliable_rules.engine.prefilter", "_UNBUILT"),
)
# Globals an entry may name outside this package (anything else is refused).
_FOREIGN = frozenset(
    {
        ("builtins", "getattr"),
        ("builtins", "bool"),
        ("builtins", "float"),
        ("builtins", "int"),
        ("builtins", "frozenset"),
        ("builtins", "set"),
        ("re", "_compile"),
        # a compiled `regex` pattern (the shipped sets defer theirs: none is stored today)
        ("regex._regex", "compile"),
        ("ahocorasick", "Automaton"),
    }
)
_MODULES = ("reliable_rules", "ahocorasick", "re2")


# The code that builds a set and defines what it holds: the package's top-level modules (the
# vocabulary), the engine and this package, which import nothing else of reliable_rules
# (tests/integration/test_architecture.py keeps it so).
_CODE_DIRS = ("", "engine", "ruleset")


def _code_fingerprint() -> list[str]:
    """The size and mtime of every module that builds a set (an edited checkout's change)."""
    parts = []
    for sub in _CODE_DIRS:
        folder = os.path.join(_PACKAGE, sub)
        try:
            with os.scandir(folder) as listing:
                names = sorted(item.name for item in listing if item.name.endswith(".py"))
        except OSError:
            continue
        for name in names:
            info = os.stat(os.path.join(folder, name))
            parts.append(f"{sub}/{name}:{info.st_size}:{info.st_mtime_ns}")
    return parts


def _rule_files(rules: str) -> list[str]:
    """The CRC-32 and length of every shipped rule file (the sets extend one another)."""
    parts = []
    for directory, subdirectories, files in os.walk(rules):
        subdirectories.sort()
        for name in sorted(files):
            path = os.path.join(directory, name)
            with open(path, "rb") as stream:
                raw = stream.read()
            parts.append(f"{path[len(rules) :]}:{zlib.crc32(raw):08x}:{len(raw)}")
    return parts


def _accelerators() -> list[str]:
    """The accelerator switch, and which build of each accelerator is installed (an entry
    holds a pickled automaton: another pyahocorasick must not read it)."""
    parts = [os.environ.get("RELIABLE_RULES_ACCELERATOR", "1")]
    for name in ("ahocorasick", "daachorse", "re2"):
        spec = find(name)
        origin = None if spec is None else spec.origin
        if origin is None:
            parts.append(f"{name}:-")
        else:
            info = os.stat(origin)
            parts.append(f"{name}:{origin}:{info.st_size}:{info.st_mtime_ns}")
    return parts


def _rules_root() -> str:
    return rules_path()


def _key(reference: str) -> tuple[str, str] | None:
    """(entry file name, full key) for ``reference``, or None when it cannot be keyed."""
    try:
        parts = [
            str(_FORMAT),
            __version__,
            f"{sys.hexversion}:{sys.implementation.cache_tag}",
            reference,
            *_accelerators(),
            *_code_fingerprint(),
            *_rule_files(_rules_root()),
        ]
    except (OSError, ValueError):
        return None
    key = "\n".join(parts)
    name = reference.removeprefix("builtin:")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:64]
    return f"state-{safe}-{zlib.crc32(key.encode('utf-8', 'surrogatepass')):08x}.pickle", key


def _function(
    code: CodeType,
    namespace: dict[str, Any],
    name: str,
    defaults: tuple[Any, ...] | None,
    cells: tuple[Any, ...] | None,
) -> FunctionType:
    closure = None if cells is None else tuple(CellType(value) for value in cells)
    return FunctionType(code, namespace, name, defaults, closure)


def _code(raw: bytes) -> CodeType:
    code = marshal.loads(raw)
    if type(code) is not CodeType:
        raise pickle.UnpicklingError("not code")
    return code


def _proxy(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


def _frozen(cls: type, names: tuple[str, ...], values: tuple[Any, ...]) -> object:
    """A frozen dataclass instance from its field values (``dataclasses``' own
    ``__setstate__`` looks the fields up again for every object: most of a warm load)."""
    instance: Any = object.__new__(cls)
    setter = object.__setattr__
    for name, value in zip(names, values, strict=True):
        setter(instance, name, value)
    return instance


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        import dataclasses  # noqa: PLC0415 — imported already by every dataclass module

        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


class _Pending:
    """The pickled ``rules`` of a rule set, unpickled when first asked for (model.RuleSet)."""

    __slots__ = ("_raw",)

    def __init__(self, raw: bytes) -> None:
        self._raw = raw

    def __call__(self) -> tuple[Any, ...]:
        rules = _unpickle(self._raw)
        if type(rules) is not tuple:
            raise TypeError("bad rules")  # the entry's CRC-32 held: a bug, not damage
        return rules


def _ruleset(cls: type, state: dict[str, Any], rules: bytes) -> object:
    instance: Any = object.__new__(cls)
    instance.__dict__.update(state)
    instance.__dict__["_pending_rules"] = _Pending(rules)
    return instance


def _dumps(obj: object) -> bytes:
    stream = io.BytesIO()
    _Pickler(stream).dump(obj)
    return stream.getvalue()


class _Pickler(pickle.Pickler):
    def __init__(self, stream: io.BytesIO) -> None:
        super().__init__(stream, protocol=_PROTOCOL)
        from reliable_rules.ruleset.model import RuleSet  # noqa: PLC0415 — no cycle at import

        self._ruleset = RuleSet
        self._sentinels = {
            id(getattr(sys.modules[module], name)): (module, name)
            for module, name in _SENTINELS
            if module in sys.modules
        }
        self._namespaces = {
            id(module.__dict__): name
            for name, module in list(sys.modules.items())
            if isinstance(module, ModuleType) and name.partition(".")[0] in _MODULES
        }

    def reducer_override(self, obj: Any) -> Any:
        # Called for objects of other types than the built-in containers and atoms (which the
        # C pickler writes itself): no per-object Python call for most of a set.
        kind = type(obj)
        if kind is FunctionType:
            if obj.__module__ is not None and "<" not in obj.__qualname__:
                return NotImplemented  # an importable function: by reference
            cells = (
                None
                if obj.__closure__ is None
                else tuple(cell.cell_contents for cell in obj.__closure__)
            )
            namespace = obj.__globals__
            module = self._namespaces.get(id(namespace))
            if module is not None:
                namespace = _ModuleGlobals(module)  # a closure of a module: its own globals
            elif "__builtins__" in namespace:
                raise pickle.PicklingError("generated code's namespace holds the builtins")
            return _function, (obj.__code__, namespace, obj.__name__, obj.__defaults__, cells)
        if kind is object:
            sentinel = self._sentinels.get(id(obj))
            if sentinel is None:
                raise pickle.PicklingError("an anonymous sentinel cannot keep its identity")
            return _sentinel, sentinel
        if kind is ModuleType:
            return _namespace, (obj.__name__, False)
        if kind is CodeType:
            return _code, (marshal.dumps(obj),)
        if kind is self._ruleset:
            state = dict(obj.__dict__)
            rules = state.pop("rules", None)
            if rules is None or "_pending_rules" in state:
                raise pickle.PicklingError("a rule set read back is not stored again")
            return _ruleset, (kind, state, _dumps(rules))
        if kind is MappingProxyType:
            return _proxy, (dict(obj),)
        params = getattr(kind, "__dataclass_params__", None)
        if params is not None and params.frozen and "__slots__" in kind.__dict__:
            names = _field_names(kind)
            return _frozen, (kind, names, tuple(getattr(obj, name) for name in names))
        return NotImplemented


def _module(name: str) -> ModuleType:
    if name.partition(".")[0] not in _MODULES:
        raise pickle.UnpicklingError(f"module {name} is not allowed here")
    module = sys.modules.get(name)
    return module if module is not None else importlib.import_module(name)


def _namespace(name: str, globals_: bool = True) -> Any:
    """A module's globals (where a closure of that module runs), or the module itself."""
    module = _module(name)
    return module.__dict__ if globals_ else module


class _ModuleGlobals:
    """Stands for a module's globals in a stored function (never its contents)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __reduce__(self) -> tuple[Any, ...]:
        return _namespace, (self.name,)


def _sentinel(module: str, name: str) -> object:
    if (module, name) not in _SENTINELS:
        raise pickle.UnpicklingError(f"{module}.{name} is not a sentinel")
    return getattr(_module(module), name)


class _Unpickler(pickle.Unpickler):
    # No persistent_load: an entry holding a persistent id fails to load.

    def find_class(self, module: str, name: str) -> Any:
        if module.partition(".")[0] != "reliable_rules" and (module, name) not in _FOREIGN:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed here")
        return super().find_class(module, name)


def _unpickle(raw: bytes, start: int = 0) -> Any:
    # Thousands of new containers would run the cycle collector a few times over (a third of
    # the time), for no garbage: none is made here.
    stream = io.BytesIO(raw)  # shares ``raw``'s buffer: no copy of a megabyte or two
    stream.seek(start)
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _Unpickler(stream).load()
    finally:
        if collecting:
            gc.enable()


def directory() -> str | None:
    """Where this version's entries live, or None when caching is off."""
    base = base_dir()
    return None if base is None else os.path.join(base, f"state-{__version__}")


def load(reference: str) -> Any:
    """The cached rule set ``reference`` (``builtin:NAME``), or None."""
    folder = directory()
    keyed = None if folder is None else _key(reference)
    if folder is None or keyed is None:
        return None
    entry = os.path.join(folder, keyed[0])
    if not private(folder) or not private(entry):
        return None
    try:
        with open(entry, "rb") as stream:
            raw = stream.read()
        if len(raw) < 8 or int.from_bytes(raw[:4], "big") != zlib.crc32(memoryview(raw)[4:]):
            return None
        size = int.from_bytes(raw[4:8], "big")
        header = marshal.loads(raw[8 : 8 + size])
        if header != (_FORMAT, keyed[1]):
            return None
        ruleset = _unpickle(raw, 8 + size)
    except Exception:  # a damaged or foreign entry means: build it again
        logger.debug("reliable_rules: cached rule set %s not used", reference, exc_info=True)
        return None
    from reliable_rules.ruleset.model import RuleSet  # noqa: PLC0415 — imported by the entry

    if type(ruleset) is not RuleSet or ruleset.source != reference:
        return None
    return ruleset


def save(reference: str, ruleset: Any) -> None:
    """Store ``ruleset`` (just built from ``reference``, never used yet); never raises."""
    folder = directory()
    keyed = None if folder is None else _key(reference)
    if folder is None or keyed is None:
        return
    try:
        body = _dumps(ruleset)
    except Exception as error:  # noqa: BLE001 — an object that cannot be stored: no entry
        logger.debug("reliable_rules: rule set %s not cached: %s", reference, error)
        return
    header = marshal.dumps((_FORMAT, keyed[1]))
    payload = len(header).to_bytes(4, "big") + header + body
    with contextlib.suppress(Exception):
        store(os.path.join(folder, keyed[0]), zlib.crc32(payload).to_bytes(4, "big") + payload)
