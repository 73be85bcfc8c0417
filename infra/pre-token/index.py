"""Cognito pre token generation trigger (event version 2): advocates and organisation admins
must use multi-factor authentication.

Roles come from user pool groups that only an operator assigns (`advocate`, `org_admin`); self
sign-up puts nobody in a group, which the API reads as a family account. A member of a
privileged group who has not turned on an authenticator app gets tokens without that group -
a family account that sees nothing but its own records - until they do. They can still sign
in, which they need to do to set the app up. Once it is on, Cognito asks for a code at every
sign-in, and the next tokens carry the group.

Both the ID and the access token are affected (version 2 events apply group overrides to
both), so neither can be used to act as an advocate without MFA.
"""

import boto3

PRIVILEGED = frozenset({"advocate", "org_admin"})
MFA_FACTORS = frozenset({"SOFTWARE_TOKEN_MFA", "EMAIL_OTP", "SMS_MFA"})

_idp = None


def _client():
    global _idp
    if _idp is None:
        _idp = boto3.client("cognito-idp")
    return _idp


def has_mfa(user_pool_id, username):
    """Whether the user has a second factor turned on (Cognito then requires it to sign in)."""
    user = _client().admin_get_user(UserPoolId=user_pool_id, Username=username)
    return bool(MFA_FACTORS.intersection(user.get("UserMFASettingList") or []))


def handler(event, _context):
    groups = list(event.get("request", {}).get("groupConfiguration", {}).get("groupsToOverride") or [])
    if PRIVILEGED.isdisjoint(groups):
        return event
    if has_mfa(event["userPoolId"], event["userName"]):
        return event
    kept = [g for g in groups if g not in PRIVILEGED]
    event["response"] = {"claimsAndScopeOverrideDetails": {"groupOverrideDetails": {"groupsToOverride": kept}}}
    print("privileged groups withheld: no second factor")  # no user details in logs
    return event
