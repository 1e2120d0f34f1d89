"""Publishing as a whole, the one path every caller takes: plan every region and member account, show it, ask
once, apply, and always clean up.

The CLI asks its user (or takes ``--yes``); the demo answers yes. Either way the same plan is made, shown
and applied in the same order, so what the demo publishes into the local AWS is what an admin publishes.
"""

import signal
from dataclasses import dataclass, field

from products.catalog.config import CatalogConfig
from products.publishing.aws import Aws
from products.publishing.publisher import Options, RegionPlan, apply_region, discard_region, plan_member_account, plan_region
from products.render.synth import RenderedCatalog


@dataclass
class Publication:
    """One publish (or plan) of the catalog into every session's region and the configured member accounts."""

    config: CatalogConfig
    sessions: list[Aws]  # one per region; the first region holds the roles stack (IAM is global)
    catalog: RenderedCatalog
    targets: tuple[str, ...]
    domain_id: str = ""
    say: object = print
    poll_seconds: float = 5.0
    plans: list[RegionPlan] = field(default_factory=list)  # filled as planning goes, so an interruption can report
    answer: bool | None = None  # True: applied; False: declined; None: nothing was asked

    def run(self, apply: bool, ask, show=None) -> "Publication":
        """Plan all, ``show(plans)``, then, with ``apply`` and anything pending, ``ask(question)`` once and apply
        on yes. Change sets the plans still hold are deleted whatever happens, a second Ctrl-C included."""
        try:
            self._plan_all(apply)
            if show is not None:
                show(self.plans)
            if apply and self.pending:
                self.answer = ask(f"Apply these changes to {', '.join(p.label for p in self.pending)}?")
                if self.answer:
                    for plan in self.pending:
                        self.say(f"publish: applying {plan.label}")
                        apply_region(plan, self.say)
        finally:
            _without_interrupts(lambda: [discard_region(plan) for plan in self.plans])
        return self

    def _plan_all(self, apply: bool) -> None:
        verb = "publish" if apply else "plan"
        for index, aws in enumerate(self.sessions):
            self.say(f"{verb}: reading {aws.region}")
            options = Options(
                apply=apply, targets=self.targets, say=self.say, poll_seconds=self.poll_seconds, domain_id=self.domain_id,
                roles_here=index == 0, roles_planned_elsewhere=self.config.publish.deploy_roles and index > 0,
            )
            self.plans.append(plan_region(aws, self.config, self.catalog, options))
            for member in self.config.publish.member_accounts:
                self.say(f"{verb}: reading {aws.region} in member account {member.account}")
                self.plans.append(plan_member_account(aws, member, self.config, self.catalog, options))

    @property
    def pending(self) -> list[RegionPlan]:
        return [plan for plan in self.plans if not plan.up_to_date]

    @property
    def applied(self) -> list[str]:
        """Every write that happened, in order, an interrupted or failed run's included."""
        return [line for plan in self.plans for line in plan.applied]


def _without_interrupts(action) -> None:
    """Run clean-up to its end: a second Ctrl-C must not leave change sets behind."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: no signal reaches this thread anyway
        action()
        return
    try:
        action()
    finally:
        signal.signal(signal.SIGINT, previous)
