"""products/analysis/iam_evaluator.py against IAM's documented evaluation rules, one rule a test."""

import pytest

from products.analysis.iam_evaluator import UnsupportedCondition, arn_matches, evaluate


def _policy(*statements):
    return [{"Version": "2012-10-17", "Statement": list(statements)}]


ALLOW_GET = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-*/*"}


def test_default_is_deny_and_an_allow_applies():
    assert not evaluate(_policy(), "s3:GetObject", "arn:aws:s3:::bucket-a/key").allowed
    assert evaluate(_policy(ALLOW_GET), "s3:GetObject", "arn:aws:s3:::bucket-a/key").allowed


def test_actions_match_case_insensitively_and_with_wildcards():
    assert evaluate(_policy(ALLOW_GET), "S3:getobject", "arn:aws:s3:::bucket-a/key").allowed
    star = {"Effect": "Allow", "Action": "sagemaker:Describe*", "Resource": "*"}
    assert evaluate(_policy(star), "sagemaker:DescribeModelPackage", "arn:x:y:z:1:a").allowed
    assert not evaluate(_policy(star), "sagemaker:ListTags", "arn:x:y:z:1:a").allowed


def test_explicit_deny_wins():
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket-a/*"}
    decision = evaluate(_policy(ALLOW_GET, deny), "s3:GetObject", "arn:aws:s3:::bucket-a/key")
    assert not decision.allowed and "explicitly denied" in decision.reason


def test_an_allow_whose_condition_does_not_hold_does_not_apply_and_denies_nothing():
    conditional = {**ALLOW_GET, "Condition": {"StringEquals": {"aws:ResourceTag/team": "ml"}}}
    assert not evaluate(_policy(conditional), "s3:GetObject", "arn:aws:s3:::bucket-a/k", {"aws:ResourceTag/team": "x"}).allowed
    assert evaluate(_policy(conditional, ALLOW_GET), "s3:GetObject", "arn:aws:s3:::bucket-a/k", {"aws:ResourceTag/team": "x"}).allowed


def test_a_missing_key_fails_a_condition_unless_if_exists():
    strict = {**ALLOW_GET, "Condition": {"StringEquals": {"aws:ResourceTag/team": "ml"}}}
    lenient = {**ALLOW_GET, "Condition": {"StringEqualsIfExists": {"aws:ResourceTag/team": "ml"}}}
    assert not evaluate(_policy(strict), "s3:GetObject", "arn:aws:s3:::bucket-a/k").allowed
    assert evaluate(_policy(lenient), "s3:GetObject", "arn:aws:s3:::bucket-a/k").allowed


def test_condition_keys_are_case_insensitive_and_values_follow_the_operator():
    ignore_case = {**ALLOW_GET, "Condition": {"StringEqualsIgnoreCase": {"aws:ResourceTag/sagemaker": "true"}}}
    assert evaluate(_policy(ignore_case), "s3:GetObject", "arn:aws:s3:::bucket-a/k", {"AWS:ResourceTag/SageMaker": "TRUE"}).allowed
    exact = {**ALLOW_GET, "Condition": {"StringEquals": {"aws:ResourceTag/sagemaker": "true"}}}
    assert not evaluate(_policy(exact), "s3:GetObject", "arn:aws:s3:::bucket-a/k", {"aws:ResourceTag/sagemaker": "TRUE"}).allowed


def test_arn_wildcards_stay_within_their_segment():
    assert arn_matches("arn:aws:sagemaker:*:123:pipeline/sagemaker-*", "arn:aws:sagemaker:us-east-1:123:pipeline/sagemaker-x/execution/1")
    assert not arn_matches("arn:aws:sagemaker:*:123:pipeline/*", "arn:aws:sagemaker:us-east-1:999:pipeline/p")
    assert not arn_matches("arn:aws:s3:::bucket-*", "arn:aws:s3:::other")


def test_not_action_and_not_resource():
    statement = {"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"}
    assert evaluate(_policy(statement), "s3:GetObject", "arn:aws:s3:::open/k").allowed
    assert not evaluate(_policy(statement), "iam:PassRole", "arn:aws:iam::1:role/r").allowed
    assert not evaluate(_policy(statement), "s3:GetObject", "arn:aws:s3:::secret/k").allowed


def test_an_unknown_operator_is_refused_not_ignored():
    odd = {**ALLOW_GET, "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}
    with pytest.raises(UnsupportedCondition):
        evaluate(_policy(odd), "s3:GetObject", "arn:aws:s3:::bucket-a/k", {"aws:CurrentTime": "2030-01-01T00:00:00Z"})
