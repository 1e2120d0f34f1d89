"""AWS::CloudWatch::Alarm, on moto's CloudWatch backend (the endpoint template's deployment guardrail)."""

from moto.cloudwatch.models import cloudwatch_backends

from products.local_aws.cloudformation.resource_types.base import LocalResource


class Alarm(LocalResource):
    TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"
    ATTRIBUTES = {"Arn": lambda self: self.arn}

    @classmethod
    def create(cls, name, properties, account_id, region):
        alarm = cloudwatch_backends[account_id][region].put_metric_alarm(
            name=name, namespace=properties.get("Namespace"), metric_name=properties.get("MetricName"),
            comparison_operator=properties["ComparisonOperator"], evaluation_periods=int(properties["EvaluationPeriods"]),
            period=int(properties["Period"]) if "Period" in properties else None,
            threshold=float(properties["Threshold"]) if "Threshold" in properties else None,
            statistic=properties.get("Statistic"), description=properties.get("AlarmDescription"),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in properties.get("Dimensions", [])],
            alarm_actions=properties.get("AlarmActions", []), ok_actions=properties.get("OKActions", []),
            treat_missing_data=properties.get("TreatMissingData"), datapoints_to_alarm=properties.get("DatapointsToAlarm"))
        return cls(name, properties, account_id, region, arn=alarm.alarm_arn)  # Ref: the alarm's name

    def remove(self) -> None:
        cloudwatch_backends[self.account_id][self.region].delete_alarms([self.physical_id])


MODELS = (Alarm,)
