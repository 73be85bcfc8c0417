"""The pre token generation trigger against a Cognito user pool in moto server (tests/run
starts it and sets AWS_ENDPOINT_URL): privileged groups reach tokens only with MFA on."""

import importlib.util
import os
import pathlib
import unittest
import uuid

import boto3

HERE = pathlib.Path(__file__).resolve().parent
SPEC = importlib.util.spec_from_file_location("pre_token", HERE.parent / "pre-token" / "index.py")
pre_token = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(pre_token)

PASSWORD = "Correct-horse-battery-9"


@unittest.skipUnless(os.environ.get("AWS_ENDPOINT_URL"), "needs moto server (tests/run starts it)")
class PreTokenTrigger(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.idp = boto3.client("cognito-idp")
        pool = cls.idp.create_user_pool(PoolName=f"t-{uuid.uuid4().hex[:8]}", MfaConfiguration="OPTIONAL")
        cls.pool = pool["UserPool"]["Id"]
        cls.client = cls.idp.create_user_pool_client(
            UserPoolId=cls.pool,
            ClientName="app",
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        for group in ("advocate", "org_admin", "reviewers"):
            cls.idp.create_group(GroupName=group, UserPoolId=cls.pool)

    def user(self, groups, mfa):
        name = f"{uuid.uuid4().hex[:10]}@example.org"
        self.idp.admin_create_user(UserPoolId=self.pool, Username=name)
        self.idp.admin_set_user_password(UserPoolId=self.pool, Username=name, Password=PASSWORD, Permanent=True)
        for group in groups:
            self.idp.admin_add_user_to_group(UserPoolId=self.pool, Username=name, GroupName=group)
        if mfa:
            # What the app does: sign in, pair an authenticator, verify a code, prefer it.
            auth = self.idp.admin_initiate_auth(
                UserPoolId=self.pool,
                ClientId=self.client,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
            )
            token = auth["AuthenticationResult"]["AccessToken"]
            self.idp.associate_software_token(AccessToken=token)
            self.idp.verify_software_token(AccessToken=token, UserCode="123456")
            self.idp.admin_set_user_mfa_preference(
                UserPoolId=self.pool,
                Username=name,
                SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
            )
        return name

    def event(self, name, groups):
        return {
            "version": "2",
            "triggerSource": "TokenGeneration_Authentication",
            "region": os.environ.get("AWS_REGION", "eu-west-2"),
            "userPoolId": self.pool,
            "userName": name,
            "callerContext": {"awsSdkVersion": "x", "clientId": self.client},
            "request": {
                "userAttributes": {"email": name},
                "groupConfiguration": {"groupsToOverride": list(groups), "iamRolesToOverride": [], "preferredRole": None},
                "scopes": ["aws.cognito.signin.user.admin"],
            },
            "response": {"claimsAndScopeOverrideDetails": None},
        }

    def groups_in_tokens(self, name, groups):
        out = pre_token.handler(self.event(name, groups), None)
        details = out["response"].get("claimsAndScopeOverrideDetails")
        if not details:
            return list(groups)
        return details["groupOverrideDetails"]["groupsToOverride"]

    def test_self_signed_up_families_are_untouched(self):
        name = self.user([], mfa=False)
        self.assertEqual(self.groups_in_tokens(name, []), [])

    def test_advocates_without_mfa_lose_the_group_until_they_turn_it_on(self):
        name = self.user(["advocate"], mfa=False)
        self.assertEqual(self.groups_in_tokens(name, ["advocate"]), [])

    def test_advocates_and_admins_with_mfa_keep_their_groups(self):
        name = self.user(["advocate", "org_admin"], mfa=True)
        self.assertEqual(self.groups_in_tokens(name, ["advocate", "org_admin"]), ["advocate", "org_admin"])

    def test_only_privileged_groups_are_withheld(self):
        name = self.user(["org_admin", "reviewers"], mfa=False)
        self.assertEqual(self.groups_in_tokens(name, ["org_admin", "reviewers"]), ["reviewers"])


if __name__ == "__main__":
    unittest.main()
