"""Checks the least-privilege rules on what CloudFormation would really get: the pinned SAM
translator's output for template.yaml, offline (see test_sam_transform.py).

    .venv/bin/python infra/tests/test_least_privilege.py template.yaml ROUTES_JSON

The rules, for every function's role (its inline policies):
- no statement allows every resource (`"*"`);
- DynamoDB access always carries a `dynamodb:LeadingKeys` condition, except for the
  scheduled jobs that sweep the table's shared index partitions, and only the sign-in side
  (`/api/v1/auth/...` routes and the email worker) may reach credentials, username claims,
  one-time tokens, sign-in throttles or Google links;
- a GET route writes nothing but its session's `last_used_at` (an UpdateItem bounded by
  `dynamodb:Attributes`);
- S3 object access names prefixes (`uploads/`, `files/`, `avatars/`, `prototypes/`,
  `exports/`), never the whole bucket; the chat stream may not write objects, and the
  sign-in and profile routes reach avatars but no attachment (`files/`), except account
  deletion;
- Bedrock is limited to the configured models (and the foundation models only through
  their inference profiles);
- SSM reads only the JWT secret's parameter.
Run by `make test` (scripts/test.sh).
"""

import copy
import json
import sys

import yaml

import test_sam_transform as sam

ACCOUNT_PARTITIONS = ("EMAIL#", "USERNAME#", "TOKEN#", "LOGINFAIL#", "GOOGLE#")
OBJECT_PREFIXES = ("uploads/", "files/", "avatars/", "prototypes/", "exports/")
ACCOUNT_DELETION = "auth-me-delete"
TABLE_WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
SWEEPERS = {"FilesCleanupFunction"}
SIGN_IN_SIDE = {"EmailWorkerFunction"}


def as_list(value):
    return value if isinstance(value, list) else [value]


def text(value):
    """A resource or condition value as text (intrinsic functions rendered as JSON)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        return value["Fn::Sub"]
    return json.dumps(value, sort_keys=True)


def statements_by_function(cfn):
    """{function logical id: [statement, ...]} from each function's role."""
    found = {}
    for logical_id, resource in cfn["Resources"].items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        role = resource["Properties"]["Role"]["Fn::GetAtt"][0]
        statements = []
        for policy in cfn["Resources"][role]["Properties"].get("Policies", []):
            statements.extend(as_list(policy["PolicyDocument"]["Statement"]))
        found[logical_id] = statements
    return found


def leading_keys(statement):
    condition = statement.get("Condition", {}).get("ForAllValues:StringLike", {})
    keys = condition.get("dynamodb:LeadingKeys")
    return None if keys is None else as_list(keys)


def check(cfn, routes):
    failures = []
    logical = {sam_route["name"]: sam_logical_id(sam_route["name"]) for sam_route in routes}
    sign_in = {logical[r["name"]] for r in routes if r["path"].startswith("/api/v1/auth/")} | SIGN_IN_SIDE
    read_only = {logical[r["name"]] for r in routes if r["method"] == "GET"}
    chat_stream = logical.get("chat-stream")

    for function, statements in statements_by_function(cfn).items():
        for statement in statements:
            where = f"{function}: {statement.get('Action')}"
            resources = [text(r) for r in as_list(statement.get("Resource", []))]
            actions = set(as_list(statement.get("Action", [])))
            if "*" in resources:
                failures.append(f"{where} allows every resource")
            if any(a == "*" or a.endswith(":*") for a in actions):
                failures.append(f"{where} allows every action of a service")
            if statement.get("Effect") != "Allow":
                continue

            if any(a.startswith("dynamodb:") for a in actions - {"dynamodb:DescribeTable"}):
                keys = leading_keys(statement)
                if keys is None:
                    if function not in SWEEPERS:
                        failures.append(f"{where}: table access without a dynamodb:LeadingKeys condition")
                else:
                    if function not in sign_in and any(k.startswith(ACCOUNT_PARTITIONS) for k in keys):
                        failures.append(f"{where}: reaches the sign-in partitions {keys}")
                    if any(k in ("*", "USER*", "US*") or not k.endswith("#*") for k in keys):
                        failures.append(f"{where}: a leading-key pattern wider than one partition kind: {keys}")
                writes = actions & TABLE_WRITES
                if function in read_only and writes:
                    attributes = statement.get("Condition", {}).get("ForAllValues:StringEquals", {}).get(
                        "dynamodb:Attributes"
                    )
                    if writes != {"dynamodb:UpdateItem"} or sorted(as_list(attributes or [])) != [
                        "PK",
                        "SK",
                        "last_used_at",
                    ]:
                        failures.append(f"{where}: a GET route may only touch its session, got {writes} {attributes}")

            if actions & {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}:
                for resource in resources:
                    prefix = resource.split("${FilesBucket.Arn}/", 1)[-1] if "${FilesBucket.Arn}/" in resource else None
                    if prefix is None or not prefix.startswith(OBJECT_PREFIXES) or not prefix.endswith("/*"):
                        failures.append(f"{where}: object resource {resource} is not one prefix of the bucket")
                if function == chat_stream and actions & {"s3:PutObject", "s3:DeleteObject"}:
                    failures.append(f"{where}: the chat stream may not write objects")
                if function in sign_in - {logical.get(ACCOUNT_DELETION)} and any("/files/" in r for r in resources):
                    failures.append(f"{where}: a sign-in or profile route reaches attachments")
            if "s3:ListBucket" in actions and function != logical.get("health"):
                prefixes = statement.get("Condition", {}).get("StringLike", {}).get("s3:prefix")
                if not prefixes or any(not p.startswith(OBJECT_PREFIXES) for p in as_list(prefixes)):
                    failures.append(f"{where}: listing not bounded to object prefixes: {prefixes}")

            if any(a.startswith("bedrock:") for a in actions):
                rendered = " ".join(resources)
                if "foundation-model/*" in rendered:
                    through = statement.get("Condition", {}).get("StringLike", {}).get("bedrock:InferenceProfileArn")
                    if not through or "ModelPrimary" not in text(through):
                        failures.append(f"{where}: every foundation model, not only through the configured profiles")
                elif "ModelPrimary" not in rendered:
                    failures.append(f"{where}: Bedrock resources not bound to the configured models: {rendered}")
            if any(a.startswith("ssm:") for a in actions):
                if actions != {"ssm:GetParameter"} or not all("${JwtSecretParameter}" in r for r in resources):
                    failures.append(f"{where}: SSM beyond reading the JWT secret's parameter")
    return failures


def widened_copies(cfn, routes):
    """The template with one policy widened at a time: each must fail the check."""
    role = lambda function: cfn["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    widenings = {
        "chats-list reaches the credentials": ("chats-list", {
            "Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": [{"Fn::GetAtt": ["Table", "Arn"]}],
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["USER#*", "EMAIL#*"]}},
        }),
        "chats-list writes": ("chats-list", {
            "Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": [{"Fn::GetAtt": ["Table", "Arn"]}],
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["USER#*"]}},
        }),
        "prompts-create on the whole table": ("prompts-create", {
            "Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": [{"Fn::GetAtt": ["Table", "Arn"]}],
        }),
        "chat-stream writes objects": ("chat-stream", {
            "Effect": "Allow", "Action": ["s3:PutObject"], "Resource": [{"Fn::Sub": "${FilesBucket.Arn}/files/*"}],
        }),
        "files-create on the whole bucket": ("files-create", {
            "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [{"Fn::Sub": "${FilesBucket.Arn}/*"}],
        }),
        "auth-me-get reads attachments": ("auth-me-get", {
            "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [{"Fn::Sub": "${FilesBucket.Arn}/files/*"}],
        }),
        "title-worker on every resource": ("title-worker", {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"}),
        "chat-stream on every model": ("chat-stream", {
            "Effect": "Allow", "Action": ["bedrock:InvokeModel"],
            "Resource": {"Fn::Sub": "arn:${AWS::Partition}:bedrock:*::foundation-model/*"},
        }),
    }
    for what, (name, statement) in widenings.items():
        widened = copy.deepcopy(cfn)
        policies = widened["Resources"][role(sam_logical_id(name))]["Properties"]["Policies"]
        policies[0]["PolicyDocument"]["Statement"].append(statement)
        yield what, widened


def sam_logical_id(name):
    return "".join(part[:1].upper() + part[1:] for part in name.split("-")) + "Function"


def main(template_path, routes_path):
    with open(template_path) as f:
        template = yaml.load(f, Loader=sam.CfnLoader)
    with open(routes_path) as f:
        routes = json.load(f)
    cfn = sam.transform(template)
    functions = statements_by_function(cfn)
    failures = check(cfn, routes)
    # The check itself: each deliberately widened policy must be caught.
    caught = 0
    for what, widened in widened_copies(cfn, routes):
        if len(check(widened, routes)) > len(failures):
            caught += 1
        else:
            failures.append(f"a widened policy passed the check: {what}")
    print(f"least privilege: {len(functions)} functions' roles checked; {caught} deliberately widened policies caught")
    return sam.report(failures)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
