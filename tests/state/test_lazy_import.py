"""The redis client is an optional extra: ``import reliable_rules`` (and naming
``RedisState``) never imports it, and building a RedisState without it says what to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_importing_the_package_does_not_import_redis() -> None:
    """Neither ``import reliable_rules``, nor building an executor, nor touching
    ``reliable_rules.RedisState`` loads ``redis``; building a RedisState does."""
    result = _run(
        """
        import sys
        import reliable_rules
        executor = reliable_rules.ReliableExecutor([], cooldown=True)
        assert isinstance(executor.state, reliable_rules.MemoryState)
        cls = reliable_rules.RedisState
        from reliable_rules import RedisState
        assert "redis" not in sys.modules, "imported too early"
        RedisState.from_url("redis://127.0.0.1:1/0")
        assert "redis" in sys.modules
        print("ok")
        """
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_without_the_extra_a_redis_state_names_what_to_install() -> None:
    """With ``redis`` not importable, RedisState.from_url raises MissingExtra (an
    ImportError and a ReliableRulesError) naming ``reliable-rules[redis]``."""
    result = _run(
        """
        import sys
        sys.modules["redis"] = None  # makes `import redis` fail
        import reliable_rules
        try:
            reliable_rules.RedisState.from_url("redis://127.0.0.1:1/0")
        except reliable_rules.MissingExtra as error:
            assert isinstance(error, ImportError)
            assert isinstance(error, reliable_rules.ReliableRulesError)
            print(error)
        """
    )
    assert "pip install 'reliable-rules[redis]'" in result.stdout, result.stderr
