"""Route events through a project's synthesized EventBridge rules on an emulated bus.

Each rule is installed with its real pattern; its pipeline target is stood in for by an
SQS queue, so putting an event on the bus shows which pipelines it would start. (moto's
TestEventPattern is a no-op that matches nothing.) Used by the tests and the local demo; in the
emulator the rules a stack creates deliver to their real targets (eventbridge_delivery.py).
"""

import json
from dataclasses import dataclass

from products.local_aws.event_shapes import put_events_entry


@dataclass(frozen=True)
class Delivery:
    rule: str  # logical id
    rule_name: str
    target_arn: str  # what the rule would start


class EventRouter:
    def __init__(self, events, sqs, resources: dict):
        """``resources``: a resolved template's resources (see products.analysis.resolve)."""
        self.events, self.sqs = events, sqs
        self.queues: dict[str, tuple[str, str, str]] = {}  # logical id -> (queue url, rule name, target arn)
        for logical_id, resource in resources.items():
            if resource["Type"] != "AWS::Events::Rule":
                continue
            rule = resource["Properties"]
            url = sqs.create_queue(QueueName=f"stand-in-{logical_id}")["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            events.put_rule(Name=rule["Name"], EventPattern=json.dumps(rule["EventPattern"]), State=rule["State"])
            events.put_targets(Rule=rule["Name"], Targets=[{"Id": "stand-in", "Arn": queue_arn}])
            (target,) = rule["Targets"]
            self.queues[logical_id] = (url, rule["Name"], target["Arn"])

    def route(self, event: dict) -> list[Delivery]:
        """Put ``event`` on the default bus; the rules that matched it, by logical id."""
        response = self.events.put_events(Entries=[put_events_entry(event)])
        if response["FailedEntryCount"]:
            raise RuntimeError(f"EventBridge rejected the event: {response['Entries']}")
        delivered = []
        for logical_id, (url, rule_name, target_arn) in sorted(self.queues.items()):
            messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            for message in messages:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            # Other messages are events the local AWS's services sent themselves (service_events.py).
            if any(json.loads(m["Body"]).get("detail") == event["detail"] for m in messages):
                delivered.append(Delivery(logical_id, rule_name, target_arn))
        return delivered
