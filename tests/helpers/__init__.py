"""Helpers shared by the test areas (importable as ``helpers.X``: ``tests/conftest.py`` puts
``tests/`` on ``sys.path``): rule files written for a test, the executor's mock providers and
HTTP rig, and the seed's reference classifier."""
