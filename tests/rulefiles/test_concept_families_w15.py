"""builtin:default's w15 tool families, from both sides, in the whole set.

The families of rules/default/w15-families.yaml: message roles a route does not take (the
caller's history, client_error), tools combined with an option the route cannot combine
them with (client_error), tool definitions the provider rejects as written and tool features
a model or route lacks (tool_schema_error). Each family must catch wordings no corpus record
used and leave alone the near misses that belong to another family.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers.family_cases import decide

ROLE = "default.w15.message-role-refused"
CONFLICT = "default.w15.tools-option-conflict"
DEFINITION = "default.w15.tool-definition-rejected"
FEATURE = "default.w15.tool-feature-lacking"


def case(rule: str, category: str, name: str, **failure: Any) -> Any:
    """One table row: the failure as classify() keywords, the rule and category it must get."""
    return pytest.param(failure, rule, category, id=name)


# (failure, the rule that must decide it, its category): wordings made up for each family.
CATCHES = [
    case(ROLE, "client_error", "tool-role-not-accepted", status=400,
         body='{"error":"role: tool is not accepted by this endpoint"}'),
    case(ROLE, "client_error", "developer-messages-unsupported",
         message="Developer messages are not supported; use a system prompt."),
    case(ROLE, "client_error", "invalid-role-ipython", status=422,
         body="invalid role: ipython"),
    case(ROLE, "client_error", "role-zh", status=400, body="function 角色不被支持"),
    case(CONFLICT, "client_error", "regex-constraints-with-tools", status=400,
         body="Cannot combine regex output constraints with tools"),
    case(CONFLICT, "client_error", "json-mode-with-tools",
         message="You may not enable strict JSON mode with the tools"),
    case(CONFLICT, "client_error", "prefill-with-tools", status=422,
         body="can't pass assistant prefill together with tools"),
    case(DEFINITION, "tool_schema_error", "path-into-tool-list", status=400,
         body='{"error":{"message":"tools.2.input_schema.type: Field required"}}'),
    case(DEFINITION, "tool_schema_error", "bracket-path-unknown-key", status=400,
         body="functions[1].parameters: unknown key 'examples'"),
    case(DEFINITION, "tool_schema_error", "malformed-function-declaration",
         message="Malformed function declaration for get_time"),
    case(DEFINITION, "tool_schema_error", "duplicate-function-names", status=400,
         body="Request has duplicate function names: lookup"),
    case(DEFINITION, "tool_schema_error", "array-parameter-without-items", status=400,
         body="array parameter 'tags' should define items"),
    case(DEFINITION, "tool_schema_error", "parameter-without-type",
         message="parameter unit must specify a type"),
    case(DEFINITION, "tool_schema_error", "too-many-nullable-parameters", status=400,
         body="too many optional parameters with nullable types in the function schema"),
    case(DEFINITION, "tool_schema_error", "duplicate-zh", status=400,
         body="函数名称重复, search"),
    case(FEATURE, "tool_schema_error", "code-execution-disabled", status=400,
         body="code_execution is disabled for this deployment"),
    case(FEATURE, "tool_schema_error", "no-file-search",
         message="This model cannot support file search yet"),
    case(FEATURE, "tool_schema_error", "tool-choice-required-unsupported", status=400,
         body="tool_choice 'required' is not supported by the selected model"),
    case(FEATURE, "tool_schema_error", "url-context-instead", status=400,
         body="Please use url_context tool instead of the legacy browse field"),
    case(FEATURE, "tool_schema_error", "function-calling-zh", status=400,
         body="当前模型函数调用未开启"),
]

# (failure, the category builtin:default must decide, a rule that must not decide it): texts
# with a family's words but another family's concept.
NEAR_MISSES = [
    pytest.param({"status": 400, "body": "Invalid schema for response_format 'x': array "
                  "schema must have items"}, "client_error", DEFINITION,
                 id="answer-format-schema"),
    pytest.param({"status": 400, "body": "messages.1.content.0: tool_use ids were found "
                  "without tool_result blocks immediately after: toolu_1"}, "client_error",
                 DEFINITION, id="history-path"),
    pytest.param({"status": 400, "body": '"qwen2.5-tool-calling:7b" does not support '
                  "thinking"}, "client_error", FEATURE, id="model-name-with-tool-calling"),
    pytest.param({"status": 400, "body": "Invalid parameter: messages with role 'tool' must "
                  "be a response to a preceding message with 'tool_calls'."}, "client_error",
                 ROLE, id="tool-role-out-of-order"),
    pytest.param({"status": 429, "body": "Too many tool calls per minute, tool_choice "
                  "is not supported while throttled"}, "rate_limited", FEATURE,
                 id="tool-words-in-a-429"),
]

# (failure, a rule that must not decide it): gate words without the rule's concept.
LEAVES = [
    pytest.param({"status": 400, "body": "property name must have a value"}, DEFINITION,
                 id="property-without-value"),
    pytest.param({"message": "The role of this key is not supported for billing exports"},
                 ROLE, id="key-role"),
    pytest.param({"status": 400, "body": "web search results are empty"}, FEATURE,
                 id="web-search-empty"),
    pytest.param({"status": 400, "body": "Cannot use a port with the proxy"}, CONFLICT,
                 id="no-tools"),
    pytest.param({"status": 400, "body": "Cannot use tools with this model"}, CONFLICT,
                 id="model-without-tools"),
]


@pytest.mark.parametrize(("failure", "rule", "category"), CATCHES)
def test_w15_family_catches_its_concept(
    default: Any, failure: dict[str, Any], rule: str, category: str
) -> None:
    """Each w15 family decides its concept in wordings no corpus record used."""
    decision = decide(default, failure)
    assert (decision.rule_id, decision.category) == (rule, category)


@pytest.mark.parametrize(("failure", "category", "rule"), NEAR_MISSES)
def test_w15_family_leaves_near_misses_to_another(
    default: Any, failure: dict[str, Any], category: str, rule: str
) -> None:
    """A near miss of a w15 family is decided by the family it belongs to."""
    decision = decide(default, failure)
    assert decision.category == category
    assert decision.rule_id != rule


@pytest.mark.parametrize(("failure", "rule"), LEAVES)
def test_w15_rule_does_not_decide_a_lookalike(
    default: Any, failure: dict[str, Any], rule: str
) -> None:
    """A text with a w15 rule's gate words but not its concept is not decided by it."""
    assert decide(default, failure).rule_id != rule
