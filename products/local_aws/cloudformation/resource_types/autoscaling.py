"""AWS::ApplicationAutoScaling::ScalableTarget and ::ScalingPolicy, on moto's Application Auto Scaling backend
(the endpoint template's variant scaling)."""

from moto.applicationautoscaling.models import applicationautoscaling_backends

from products.local_aws.cloudformation.resource_types.base import LocalResource


def _backend(account_id: str, region: str):
    return applicationautoscaling_backends[account_id][region]


class ScalableTarget(LocalResource):
    TYPE = "AWS::ApplicationAutoScaling::ScalableTarget"

    @classmethod
    def create(cls, name, properties, account_id, region):
        namespace, resource_id, dimension = properties["ServiceNamespace"], properties["ResourceId"], properties["ScalableDimension"]
        _backend(account_id, region).register_scalable_target(
            namespace, resource_id, dimension, int(properties["MinCapacity"]), int(properties["MaxCapacity"]),
            properties.get("RoleARN", ""), properties.get("SuspendedState"))
        # Ref: "resource ID|scalable dimension|service namespace" (CloudFormation's ScalableTarget return values).
        return cls(f"{resource_id}|{dimension}|{namespace}", properties, account_id, region)

    def remove(self) -> None:
        resource_id, dimension, namespace = self.physical_id.split("|")
        _backend(self.account_id, self.region).deregister_scalable_target(namespace, resource_id, dimension)


class ScalingPolicy(LocalResource):
    TYPE = "AWS::ApplicationAutoScaling::ScalingPolicy"

    @classmethod
    def create(cls, name, properties, account_id, region):
        if "ScalingTargetId" in properties:
            resource_id, dimension, namespace = properties["ScalingTargetId"].split("|")
        else:
            resource_id, dimension, namespace = (properties[k] for k in ("ResourceId", "ScalableDimension", "ServiceNamespace"))
        body_key = ("TargetTrackingScalingPolicyConfiguration" if "TargetTrackingScalingPolicyConfiguration" in properties
                    else "StepScalingPolicyConfiguration")
        # moto's PutScalingPolicy reads the request's JSON members, which are PascalCase as here.
        policy = _backend(account_id, region).put_scaling_policy(
            properties["PolicyName"], namespace, resource_id, dimension, {body_key: properties[body_key]},
            properties.get("PolicyType"))
        return cls(policy.policy_arn, properties, account_id, region,  # Ref: the policy's ARN
                   key=(properties["PolicyName"], namespace, resource_id, dimension))

    def remove(self) -> None:
        _backend(self.account_id, self.region).delete_scaling_policy(*self.key)


MODELS = (ScalableTarget, ScalingPolicy)
