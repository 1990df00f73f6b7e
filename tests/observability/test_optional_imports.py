"""The extras are imported only when used: fresh interpreters check ``sys.modules`` after
importing reliable_rules and running real calls, and what a missing extra raises."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

THIRD_PARTY = ("opentelemetry", "prometheus_client")
OURS = "reliable_rules.observability"

#: A real call over HTTP to FakeProviderServer with plain Hooks: a 503 then a 200.
CALL = """
import sys, json
import reliable_rules
from reliable_rules import ChatRequest, Hooks, Message, ReliableExecutor
from reliable_rules.providers import OpenAICompatible
from reliable_rules.testing import FakeProviderServer, FakeTiming, Reply

def loaded():
    return sorted({name.split(".")[0] for name in sys.modules} & {"opentelemetry",
                  "prometheus_client"} | ({"observability"} if any(
                  name.startswith("reliable_rules.observability") for name in sys.modules)
                  else set()))

report = {}
with FakeProviderServer() as server:
    server.script(Reply.error(503), Reply.ok("fine"))
    seen = []
    with ReliableExecutor(
        [("p", OpenAICompatible(server.openai_base_url, api_key="sk-test-0000000000"))],
        hooks=Hooks(on_attempt=seen.append), timing=FakeTiming(),
    ) as executor:
        report["answer"] = executor.chat(ChatRequest([Message.user("hi")]), "m").text
    report["attempts"] = len(seen)
report["after_call"] = loaded()
"""


def run(code: str) -> dict[str, object]:
    """Run ``code`` (which fills ``report``) in a fresh interpreter; the report."""
    script = code + "\nprint(json.dumps(report))\n"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False,
        env={"NO_PROXY": "127.0.0.1,localhost", "PATH": "", "PYTHONPATH": ":".join(sys.path)},
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return report


@pytest.mark.slow
def test_a_call_without_the_hooks_imports_neither_extra() -> None:
    """import reliable_rules plus a real retried call: no opentelemetry, no
    prometheus_client, not even reliable_rules.observability."""
    report = run(CALL)
    assert report["answer"] == "fine"
    assert report["attempts"] == 2
    assert report["after_call"] == []


@pytest.mark.slow
def test_the_lazy_names_load_our_module_first_and_the_extra_only_when_built() -> None:
    """Naming reliable_rules.PrometheusHooks loads our module, not prometheus_client;
    building one loads it. The same for OpenTelemetryHooks and opentelemetry."""
    report = run(CALL + textwrap.dedent("""
        reliable_rules.PrometheusHooks
        reliable_rules.OpenTelemetryHooks
        report["named"] = loaded()
        reliable_rules.PrometheusHooks()
        report["prometheus_built"] = loaded()
        reliable_rules.OpenTelemetryHooks()
        report["both_built"] = loaded()
    """))
    assert report["named"] == ["observability"]
    assert report["prometheus_built"] == ["observability", "prometheus_client"]
    assert report["both_built"] == ["observability", "opentelemetry", "prometheus_client"]


@pytest.mark.slow
def test_star_import_imports_no_extra() -> None:
    """``from reliable_rules import *`` binds the hooks' classes without their packages."""
    report = run(CALL + textwrap.dedent("""
        namespace = {}
        exec("from reliable_rules import *", namespace)
        report["bound"] = sorted(n for n in ("PrometheusHooks", "OpenTelemetryHooks")
                                 if n in namespace)
        report["star"] = loaded()
    """))
    assert report["bound"] == ["OpenTelemetryHooks", "PrometheusHooks"]
    assert report["star"] == ["observability"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("blocked", "name", "extra"),
    [("prometheus_client", "PrometheusHooks", "prometheus"),
     ("opentelemetry", "OpenTelemetryHooks", "otel")],
)
def test_a_missing_extra_is_a_clear_typed_error(blocked: str, name: str, extra: str) -> None:
    """Without the package, building the hook raises MissingExtra (a ReliableRulesError and
    an ImportError) naming the extra to install; calls without it still work."""
    report = run(textwrap.dedent(f"""
        import sys, json
        sys.modules[{blocked!r}] = None  # as if not installed
        import reliable_rules
        report = {{}}
        try:
            reliable_rules.{name}()
        except reliable_rules.MissingExtra as error:
            report["message"] = str(error)
            report["types"] = [isinstance(error, ImportError),
                               isinstance(error, reliable_rules.ReliableRulesError)]
            report["extra"] = error.extra
        executor = reliable_rules.ReliableExecutor([("fn", None)])
        report["still_works"] = executor.call(lambda attempt: attempt.number, model="m")
    """))
    assert f"pip install 'reliable-rules[{extra}]'" in str(report["message"])
    assert report["types"] == [True, True]
    assert report["extra"] == extra
    assert report["still_works"] == 1
