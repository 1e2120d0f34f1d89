"""A template's Rules as CloudFormation checks them (products/analysis/template_rules.py)."""

from products.analysis.template_rules import rule_violations

TEMPLATE = {
    "Parameters": {"Kind": {"Type": "String", "Default": "realtime"}, "Minimum": {"Type": "Number", "Default": "1"},
                   "Size": {"Type": "String", "Default": "small"}},
    "Rules": {
        "ZeroOnlyForAsync": {"RuleCondition": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Kind"}, "async"]}]},
                             "Assertions": [{"Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Minimum"}, "0"]}]},
                                             "AssertDescription": "Minimum may be 0 only for async"}]},
        "KnownSize": {"Assertions": [{"Assert": {"Fn::Contains": [["small", "large"], {"Ref": "Size"}]}}]},
    },
}


def test_an_assertion_is_checked_only_where_its_rule_condition_holds():
    assert rule_violations(TEMPLATE, {"Minimum": 0}) == ["Minimum may be 0 only for async"]  # a Number, as text
    assert rule_violations(TEMPLATE, {"Minimum": "0", "Kind": "async"}) == []
    assert rule_violations(TEMPLATE, {}) == []


def test_an_assertion_without_a_description_is_named_by_its_rule():
    assert rule_violations(TEMPLATE, {"Size": "huge"}) == ["Rule KnownSize failed"]


def test_a_function_this_cannot_evaluate_refuses_the_template_rather_than_passing_it():
    template = {"Parameters": {"Ids": {"Type": "CommaDelimitedList", "Default": "a"}},
                "Rules": {"Each": {"Assertions": [{"Assert": {"Fn::EachMemberEquals": [{"Fn::ValueOfAll": ["x", "y"]}, "z"]}}]}}}
    assert rule_violations(template, {}) == ["Rule Each: the local AWS cannot evaluate the rule function Fn::EachMemberEquals"]


def test_contains_takes_a_list_parameter_and_a_rule_naming_a_missing_value_waits_for_that_refusal():
    template = {"Parameters": {"Allowed": {"Type": "CommaDelimitedList", "Default": "a, b"}, "Pick": {"Type": "String"}},
                "Rules": {"Known": {"Assertions": [{"Assert": {"Fn::Contains": [{"Ref": "Allowed"}, {"Ref": "Pick"}]},
                                                    "AssertDescription": "Pick is not allowed"}]}}}
    assert rule_violations(template, {"Pick": "b"}) == []
    assert rule_violations(template, {"Pick": "c"}) == ["Pick is not allowed"]
    assert rule_violations(template, {}) == []  # no value for Pick: CloudFormation's missing-value refusal comes first
