"""What the SAM template promises operators and users, read from the template itself (cfn-lint
checks that it is valid; these check that it says what the README says it does)."""

import pathlib
import unittest

from cfnlint.decode import decode

TEMPLATE = pathlib.Path(__file__).resolve().parents[1] / "template.yaml"


def load():
    template, problems = decode(str(TEMPLATE))
    if problems:
        raise AssertionError(problems)
    return template


class Template(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = load()
        cls.r = cls.t["Resources"]

    def of_type(self, kind):
        return {name: res for name, res in self.r.items() if res["Type"] == kind}

    def test_sign_in_is_srp_only_and_no_one_writes_their_own_role(self):
        client = self.r["UserPoolClient"]["Properties"]
        self.assertEqual(sorted(client["ExplicitAuthFlows"]), ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"])
        self.assertNotIn("custom:role", str(client))
        pool = self.r["UserPool"]["Properties"]
        self.assertNotIn("Schema", pool, "no custom role attribute")
        self.assertFalse(pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"], "families sign up")

    def test_roles_come_from_operator_groups_gated_by_mfa(self):
        groups = {res["Properties"]["GroupName"] for res in self.of_type("AWS::Cognito::UserPoolGroup").values()}
        self.assertEqual(groups, {"advocate", "org_admin"})
        trigger = self.r["UserPool"]["Properties"]["LambdaConfig"]["PreTokenGenerationConfig"]
        self.assertEqual(trigger["LambdaVersion"], "V2_0", "version 2 also governs access tokens")
        self.assertEqual(self.r["UserPool"]["Properties"]["UserPoolTier"], "ESSENTIALS")
        self.assertEqual(self.r["PreTokenFunction"]["Properties"]["CodeUri"], "pre-token/")
        env = self.t["Globals"]["Function"]["Environment"]["Variables"]
        self.assertEqual(env["ROLE_CLAIM"]["Fn::If"][1], "cognito:groups")
        self.assertEqual(env["ROLE_CLAIM_HOLDS"]["Fn::If"][1], "groups")

    def test_every_log_group_is_encrypted_with_the_data_key(self):
        groups = self.of_type("AWS::Logs::LogGroup")
        self.assertGreaterEqual(len(groups), 6)
        for name, res in groups.items():
            self.assertEqual(res["Properties"].get("KmsKeyId"), {"Fn::GetAtt": ["DataKey", "Arn"]}, name)
        statements = self.r["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
        self.assertTrue(any("logs." in str(s.get("Principal")) for s in statements), "the logs service may use the key")

    def test_every_area_of_the_api_is_routed_to_its_function(self):
        routes = {}
        for name, res in self.of_type("AWS::Serverless::Function").items():
            for event in res["Properties"].get("Events", {}).values():
                if event["Type"] == "HttpApi":
                    routes[event["Properties"]["Path"]] = name
        self.assertEqual(routes["/v1/tickets/{proxy+}"], "TicketsFunction")
        self.assertEqual(routes["/v1/support-requests"], "TicketsFunction")
        self.assertEqual(routes["/v1/advocates/{proxy+}"], "TicketsFunction")
        self.assertEqual(routes["/v1/cases/{proxy+}"], "CasesFunction")
        self.assertEqual(routes["/v1/documents/{proxy+}"], "DocumentsFunction")
        self.assertEqual(routes["/v1/notifications"], "AccessFunction")
        self.assertEqual(routes["/v1/connections/{proxy+}"], "AccessFunction")
        self.assertEqual(routes["/v1/audit"], "AccessFunction")
        self.assertEqual(routes["/v1/organisations/{proxy+}"], "TicketsFunction")
        self.assertEqual(routes["/v1/sync/{proxy+}"], "SyncFunction")
        # Under a child's path, but served by the area that holds the operation.
        self.assertEqual(routes["/v1/children/{proxy+}"], "CasesFunction")
        self.assertEqual(routes["/v1/children/{id}/documents"], "DocumentsFunction")
        self.assertEqual(routes["/v1/cases/{id}/compare"], "DocumentsFunction")
        self.assertEqual(routes["/v1/children/{id}/bundles"], "DocumentsFunction")
        self.assertEqual(routes["/v1/children/{id}/bundles/{proxy+}"], "DocumentsFunction")
        self.assertEqual(routes["/v1/shared/{token}"], "DocumentsFunction")
        self.assertEqual(routes["/v1/me/exports"], "MeFunction")
        self.assertEqual(routes["/v1/me/exports/{proxy+}"], "MeFunction")
        self.assertEqual(routes["/v1/me/delete"], "MeFunction")
        shared = self.r["DocumentsFunction"]["Properties"]["Events"]["SharedBundle"]["Properties"]
        self.assertEqual(shared["Auth"], {"Authorizer": "NONE"}, "a share link needs no sign-in")
        self.assertEqual(routes["/v1/children/{id}/advocates"], "TicketsFunction")
        self.assertEqual(routes["/v1/children/{id}/advocates/{advocate_id}/support-requests"], "TicketsFunction")

    def test_one_binary_serves_every_function_each_told_its_area(self):
        areas = {}
        for name, res in self.of_type("AWS::Serverless::Function").items():
            if res.get("Metadata", {}).get("BuildMethod") != "rust-cargolambda":
                continue
            self.assertEqual(res["Metadata"]["BuildProperties"]["Binary"], "senvault-lambda", name)
            areas[name] = res["Properties"]["Environment"]["Variables"]["SENVAULT_AREA"]
        self.assertEqual(
            areas,
            {
                "CasesFunction": "cases",
                "DocumentsFunction": "documents",
                "AccessFunction": "access",
                "TicketsFunction": "tickets",
                "SyncFunction": "sync",
                "OverdueScannerFunction": "overdue-scanner",
                "LateUploadsFunction": "late-uploads",
                "BundlesFunction": "bundles",
                "MeFunction": "me",
                "ExportsFunction": "exports",
            },
        )

    def test_uploads_arriving_after_their_slot_closed_reach_the_late_uploads_function(self):
        bridge = self.r["Bucket"]["Properties"]["NotificationConfiguration"]["EventBridgeConfiguration"]
        self.assertTrue(bridge["EventBridgeEnabled"])
        event = self.r["LateUploadsFunction"]["Properties"]["Events"]["UploadCreated"]
        self.assertEqual(event["Type"], "EventBridgeRule")
        pattern = event["Properties"]["Pattern"]
        self.assertEqual(pattern["detail-type"], ["Object Created"])
        self.assertEqual(pattern["detail"]["object"]["key"], [{"prefix": "uploads/"}])

    def test_bundle_builds_recorded_in_the_table_reach_the_bundles_function(self):
        self.assertEqual(self.r["Table"]["Properties"]["StreamSpecification"]["StreamViewType"], "KEYS_ONLY")
        event = self.r["BundlesFunction"]["Properties"]["Events"]["BuildRecorded"]
        self.assertEqual(event["Type"], "DynamoDB")
        self.assertEqual(event["Properties"]["Stream"], {"Fn::GetAtt": ["Table", "StreamArn"]})
        pattern = event["Properties"]["FilterCriteria"]["Filters"][0]["Pattern"]
        self.assertIn('"INSERT"', pattern)
        self.assertIn('"R#bundle/"', pattern)
        self.assertIn("bundles/*", str(self.r["DocumentsFunction"]["Properties"]["Policies"]))
        self.assertEqual(len(event["Properties"]["FilterCriteria"]["Filters"]), 1, "bundles only")
        exports = self.r["ExportsFunction"]["Properties"]["Events"]["ExportRecorded"]["Properties"]
        self.assertIn('"R#export/"', exports["FilterCriteria"]["Filters"][0]["Pattern"])
        self.assertIn("s3:AbortMultipartUpload", str(self.r["ExportsFunction"]["Properties"]["Policies"]))
        rules = {r["Id"]: r for r in self.r["Bucket"]["Properties"]["LifecycleConfiguration"]["Rules"]}
        self.assertEqual((rules["ExpireExports"]["Prefix"], rules["ExpireExports"]["ExpirationInDays"]), ("exports/", 7))

    def test_documents_function_has_reserved_concurrency(self):
        props = self.r["DocumentsFunction"]["Properties"]
        self.assertEqual(props["ReservedConcurrentExecutions"], {"Ref": "DocumentsConcurrency"})

    def test_deleted_and_abandoned_bytes_do_not_linger(self):
        rules = self.r["Bucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
        by_id = {rule["Id"]: rule for rule in rules}
        self.assertEqual(by_id["ExpireUnconfirmedUploads"]["Prefix"], "uploads/")
        self.assertEqual(by_id["ExpireUnconfirmedUploads"]["ExpirationInDays"], 1)
        self.assertLessEqual(by_id["PurgeNoncurrentVersions"]["NoncurrentVersionExpiration"]["NoncurrentDays"], 1)
        self.assertTrue(by_id["RemoveExpiredDeleteMarkers"]["ExpiredObjectDeleteMarker"])


    def test_deletion_receipts_are_keyed_with_a_generated_secret_every_function_gets(self):
        secret = self.r["ErasureSecret"]
        self.assertEqual(secret["Type"], "AWS::SecretsManager::Secret")
        self.assertEqual(secret["DeletionPolicy"], "Retain", "a new key would orphan every receipt")
        self.assertGreaterEqual(secret["Properties"]["GenerateSecretString"]["PasswordLength"], 32)
        env = self.t["Globals"]["Function"]["Environment"]["Variables"]
        self.assertIn("ErasureSecret", str(env["ERASURE_SECRET"]))
        actions = str(self.r["MeFunction"]["Properties"]["Policies"])
        for needed in ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "exports/*", "documents/*"]:
            self.assertIn(needed, actions)
        # No other function removes items.
        for name, res in self.of_type("AWS::Serverless::Function").items():
            if name != "MeFunction":
                self.assertNotIn("dynamodb:BatchWriteItem", str(res["Properties"].get("Policies")), name)


if __name__ == "__main__":
    unittest.main()
