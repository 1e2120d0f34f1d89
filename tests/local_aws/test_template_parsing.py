"""A JSON template is read as JSON, a YAML one as moto reads it (products/local_aws/cloudformation/template_parsing.py)."""

from products.local_aws.cloudformation.template_parsing import parsed


def _refuse(_body):
    raise AssertionError("a JSON body went to the YAML reader")


def test_a_json_body_is_read_as_json_and_yaml_is_left_to_moto():
    assert parsed('  {"Resources": {"B": {"Type": "AWS::S3::Bucket"}}, "Outputs": {"X": {"Value": 1e3}}}', _refuse) == {
        "Resources": {"B": {"Type": "AWS::S3::Bucket"}}, "Outputs": {"X": {"Value": 1000.0}}}  # YAML 1.1: the string "1e3"
    assert parsed("Resources:\n  B:\n    Type: AWS::S3::Bucket\n", lambda body: ("moto", body)) == (
        "moto", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n")
    assert parsed("{not json", lambda body: "moto") == "moto"  # what is not JSON keeps moto's reading and errors
