"""AWS::Scheduler::ScheduleGroup and AWS::Scheduler::Schedule, on moto's EventBridge Scheduler backend."""

from moto.scheduler.models import scheduler_backends

from products.local_aws.cloudformation.resource_types.base import LocalResource


class ScheduleGroup(LocalResource):
    TYPE = "AWS::Scheduler::ScheduleGroup"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = {"Arn": lambda self: self.arn, "State": lambda self: "ACTIVE"}

    @classmethod
    def create(cls, name, properties, account_id, region):
        group = scheduler_backends[account_id][region].create_schedule_group(name, properties.get("Tags", []))
        return cls(name, properties, account_id, region, arn=group.arn)  # Ref: the group's name

    def remove(self) -> None:
        scheduler_backends[self.account_id][self.region].delete_schedule_group(self.physical_id)


class Schedule(LocalResource):
    TYPE = "AWS::Scheduler::Schedule"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = {"Arn": lambda self: self.arn}

    @classmethod
    def create(cls, name, properties, account_id, region):
        # The JSON API's members are PascalCase (Target.RoleArn, FlexibleTimeWindow.Mode), as the template's.
        schedule = scheduler_backends[account_id][region].create_schedule(
            description=properties.get("Description"), end_date=properties.get("EndDate"),
            flexible_time_window=properties["FlexibleTimeWindow"], group_name=properties.get("GroupName"),
            kms_key_arn=properties.get("KmsKeyArn"), name=name, schedule_expression=properties["ScheduleExpression"],
            schedule_expression_timezone=properties.get("ScheduleExpressionTimezone"),
            start_date=properties.get("StartDate"), state=properties.get("State", "ENABLED"),
            target=properties["Target"], action_after_completion=None)
        return cls(name, properties, account_id, region,  # Ref: the schedule's name
                   arn=schedule.arn, group=properties.get("GroupName"))

    def remove(self) -> None:
        scheduler_backends[self.account_id][self.region].delete_schedule(self.group, self.physical_id)


MODELS = (ScheduleGroup, Schedule)
