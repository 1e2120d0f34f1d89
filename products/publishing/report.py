"""How a plan is shown: each region's writes, stack by stack with property and IAM statement diffs, and the totals.

The CLI prints it before its one question; the demo prints it too, so both show the same plan.
"""


def show_plan(plan, say) -> None:
    """Everything the region's plan would do, resource by resource, with property changes under each Modify."""
    say(f"{plan.region} ({'member ' if plan.member else ''}account {plan.account}):")
    if plan.bucket_changes:
        say(f"  asset bucket {plan.bucket}: " + ", ".join(
            "create" if c == "bucket" else f"set {c}" for c in plan.bucket_changes))
    for upload in plan.uploads:
        say(f"  upload s3://{plan.bucket}/{upload.key}")
    if plan.unchanged:
        say(f"  {len(plan.unchanged)} artifact(s) already in s3://{plan.bucket}")
    for stack_plan in plan.stack_plans:
        show_stack_plan(stack_plan, f"stack {stack_plan.stack}", say)
    for target in plan.target_plans:
        show_stack_plan(target.stack_plan, f"account {target.account}: stack {target.stack_plan.stack}", say)
    if plan.stack_set_plan:
        show_stack_set_plan(plan.stack_set_plan, say)
    for retirement in plan.retirements:
        say(f"  portfolio: {retirement.line()}")
    for change in plan.share_changes:
        say(f"  portfolio: {change.line()}")
    for line in plan.s3_route:
        say(f"  S3 route: {line}")


def show_stack_plan(stack_plan, heading: str, say) -> None:
    say(f"  {heading}: {stack_plan.action}")
    for change in stack_plan.changes:
        say(f"    {change.line()}")
        for detail in change.details:
            say(f"        {detail}")
    if any(c.details for c in stack_plan.changes) and stack_plan.properties_from == "templates":
        say("    (property changes compared from the deployed and new templates: the change set had no property values)")


def show_stack_set_plan(plan, say) -> None:
    """The stack set's steps, and its template's resource changes (applied in every account of its units)."""
    say(f"  stack set {plan.name} ({', '.join(plan.units) or 'no units'}; as {plan.call_as}): {plan.action}")
    for line in plan.lines():
        say(f"    {line}")
    for change in plan.changes if plan.template_changed else []:
        say(f"      {change.line()}")
        for detail in change.details:
            say(f"          {detail}")


def totals_line(plans) -> str:
    totals = {}
    for plan in plans:
        for key, value in plan.totals().items():
            totals[key] = totals.get(key, 0) + value
    return (
        f"Plan: {totals['add']} to add, {totals['change']} to change, {totals['remove']} to remove (stack resources); "
        f"{totals['uploads']} upload(s), {totals['bucket_settings']} bucket setting(s), {totals['s3_route']} S3-route change(s)"
        + (f", {totals['shares']} portfolio share change(s)" if totals["shares"] else "")
        + (f", {totals['stack_set_steps']} stack set step(s)" if totals["stack_set_steps"] else "")
    )
