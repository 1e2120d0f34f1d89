"""AssumeRoleWithWebIdentity in the local AWS: the role's trust decides, on the token's claims, as STS does.

moto answers AssumeRoleWithWebIdentity as a plain AssumeRole: any token, any role. Installed in the moto_server
process, the call is checked first, as the IAM User Guide describes web identity federation ("Available keys for
AWS OIDC federation"; GitHub's "Configuring OpenID Connect in Amazon Web Services"):

- the token's issuer (``iss``) must be an OIDC provider of the role's account (IAM CreateOpenIDConnectProvider),
  else InvalidIdentityToken;
- its audience (``aud``) must be one of that provider's client ids, else InvalidIdentityToken;
- the role's trust policy must allow ``sts:AssumeRoleWithWebIdentity`` to that provider (``Principal.Federated``),
  with the token's ``sub``, ``aud`` and ``amr`` as condition keys (``token.actions.githubusercontent.com:sub``, ...),
  else AccessDenied.

Stand-in: the token is read, not verified. Its signature, expiry and the provider's thumbprints are not checked
(no issuer is emulated); the tests and the workflow stand-in make unsigned tokens with the claims GitHub's would
carry. The error texts are ours in wording; the codes are STS's.
"""

import base64
import json

from products.analysis import iam_evaluator


# The claims STS exposes as condition keys for any OIDC provider (IAM User Guide, "Available keys for AWS OIDC
# federation"); a trust that tests another claim is refused here rather than passed.
CONDITION_CLAIMS = ("sub", "aud", "amr")


class TokenRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def token_claims(token: str) -> dict:
    """The claims of a JWT (its middle part), unverified."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as error:
        raise TokenRefused("InvalidIdentityToken", f"the web identity token is not a JWT ({error})") from None


def unsigned_token(claims: dict) -> str:
    """A JWT with these claims and no signature (``alg: none``): the stand-in for an issuer's token."""
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def check(role_arn: str, trust: dict, providers: dict, claims: dict) -> None:
    """TokenRefused unless ``trust`` lets a token with ``claims`` in; ``providers``: the account's OIDC providers,
    by URL without scheme, each with its client ids."""
    issuer = str(claims.get("iss", "")).removeprefix("https://")
    if issuer not in providers:
        raise TokenRefused("InvalidIdentityToken", f"No OpenIDConnect provider found in your account for "
                                                   f"https://{issuer}")
    audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
    if not set(map(str, audiences)) & set(providers[issuer]):
        raise TokenRefused("InvalidIdentityToken", f"Incorrect token audience {claims.get('aud')!r} for "
                                                   f"https://{issuer}")
    provider_arn = f"arn:aws:iam::{role_arn.split(':')[4]}:oidc-provider/{issuer}"
    context = {f"{issuer}:{key}": claims[key] for key in CONDITION_CLAIMS if key in claims}
    try:
        decision = iam_evaluator.resource_policy_allows(trust, provider_arn, "sts:AssumeRoleWithWebIdentity", role_arn,
                                                        context)
    except iam_evaluator.UnsupportedCondition as unsupported:
        raise TokenRefused("AccessDenied", f"the local AWS cannot evaluate the trust of {role_arn}: {unsupported}") from None
    if not decision.allowed:
        raise TokenRefused("AccessDenied", f"Not authorized to perform sts:AssumeRoleWithWebIdentity on {role_arn} "
                                           f"with sub {claims.get('sub')!r} ({decision.reason})")


def _account_view(role_arn: str) -> tuple[dict, dict]:
    """The role's trust policy and its account's OIDC providers, from the emulator's IAM."""
    from moto.iam.models import iam_backends

    backend = iam_backends[role_arn.split(":")[4]]["aws"]
    role = backend.get_role(role_arn.rsplit("/", 1)[1])
    trust = role.assume_role_policy_document
    providers = {p.url: list(p.client_id_list) for p in backend.open_id_providers.values()}
    return (json.loads(trust) if isinstance(trust, str) else trust), providers


def install() -> None:
    """Patch moto's STS (in this process): AssumeRoleWithWebIdentity checks the token against the role's trust."""
    from moto.iam.exceptions import NotFoundException
    from moto.sts.exceptions import STSClientError
    from moto.sts.responses import TokenResponse

    original = TokenResponse.assume_role_with_web_identity

    def assume_role_with_web_identity(self):
        role_arn = self._get_param("RoleArn")
        try:
            trust, providers = _account_view(role_arn)
            check(role_arn, trust, providers, token_claims(self._get_param("WebIdentityToken") or ""))
        except NotFoundException:
            raise STSClientError("AccessDenied", f"Not authorized to perform sts:AssumeRoleWithWebIdentity on "
                                                 f"{role_arn}: no such role") from None
        except TokenRefused as refused:
            raise STSClientError(refused.code, str(refused)) from None
        return original(self)

    TokenResponse.assume_role_with_web_identity = assume_role_with_web_identity
