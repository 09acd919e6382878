"""Runs the pinned AWS SAM translator over template.yaml, offline, and checks what API
Gateway would really get: STREAM routes are streaming integrations (Lambda response
streaming, up to 15 minutes), every other integration is buffered (29 s), and the stack
stays under CloudFormation's resource limit.

    .venv/bin/python infra/tests/test_sam_transform.py template.yaml ROUTES_JSON

ROUTES_JSON is the route table (`cargo run -p local-stack --bin local -- routes`): the
template's streaming functions are cross-checked against it, so a template that names the
transfer mode wrongly (the translator ignores values it does not know) fails here.
Run by `make test` (scripts/test.sh). No AWS calls: the CodeUri is a placeholder, the
region is given, and the managed-policy loader is a stub.
"""

import copy
import json
import sys

import boto3
import yaml
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

MAX_RESOURCES = 450  # CloudFormation allows 500 per stack; keep headroom.
BUFFERED_MAX_MS = 29_000  # API Gateway's limit (and default) for buffered integrations
STREAM_MAX_MS = 900_000  # streaming integrations may run up to 15 minutes
STREAM_URI = "/2021-11-15/functions/${%s.Arn}/response-streaming-invocations"
BUFFERED_URI = "/2015-03-31/functions/${%s.Arn}/invocations"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


class StubPolicyLoader:
    """Stands in for samtranslator's ManagedPolicyLoader, which lists IAM policies."""

    POLICIES = {
        "AWSLambdaBasicExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
    }

    def load(self):
        return dict(self.POLICIES)


class CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (the generator writes the long form,
    but a hand edit should not break the loader)."""


def _tag(loader, tag_suffix, node):
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnLoader.add_multi_constructor("!", _tag)


# Parameters without a default need a value; nothing is deployed.
PARAMETERS = {
    "FrontendUrl": "https://app.example.com",
    "CorsAllowedOrigins": "https://app.example.com,https://www.example.com",
    "MailFrom": "myclaude <no-reply@example.com>",
    "MailDomain": "example.com",
}


def transform(sam_template):
    template = copy.deepcopy(sam_template)
    template["Globals"]["Function"]["CodeUri"] = "s3://placeholder-bucket/bootstrap.zip"
    parameters = dict(PARAMETERS)
    session = boto3.session.Session(region_name="us-east-1")
    loader = StubPolicyLoader()
    return Translator(None, Parser(), boto_session=session).translate(
        template, parameters, get_managed_policy_map=loader.load
    )


def report(failures):
    """Prints the failures (or ok) and gives the exit status."""
    if failures:
        print(f"FAILED ({len(failures)}):", *failures, sep="\n  ")
        return 1
    print("ok")
    return 0


def integrations(cfn):
    """(path, method, integration) of every method of every REST API in `cfn`."""
    found = []
    for resource in cfn["Resources"].values():
        if resource["Type"] != "AWS::ApiGateway::RestApi":
            continue
        for path, item in resource["Properties"]["Body"]["paths"].items():
            for method, operation in item.items():
                if method in METHODS:
                    found.append((path, method.upper(), operation["x-amazon-apigateway-integration"]))
    return found


def uri_text(integration):
    uri = integration.get("uri")
    if isinstance(uri, dict) and "Fn::Sub" in uri:
        return uri["Fn::Sub"]
    return json.dumps(uri)


def main(template_path, routes_path):
    with open(template_path) as f:
        sam_template = yaml.load(f, Loader=CfnLoader)
    with open(routes_path) as f:
        table = json.load(f)
    failures = []

    # Which functions the template streams, and which the route table says stream.
    by_endpoint = {}
    for logical_id, resource in sam_template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "Api":
                p = event["Properties"]
                by_endpoint[(p["Path"], p["Method"].upper())] = (logical_id, p)
    stream_endpoints = set()
    for route in table:
        endpoint = (route["path"], route["method"])
        if endpoint not in by_endpoint:
            failures.append(f"{route['name']}: {route['method']} {route['path']} has no function in the template")
            continue
        logical_id, event = by_endpoint[endpoint]
        declared = event.get("ResponseTransferMode")
        if route["streams"]:
            stream_endpoints.add(endpoint)
            if declared != "RESPONSE_STREAM":
                failures.append(
                    f"{route['name']} streams, but {logical_id}'s Api event has ResponseTransferMode {declared!r}"
                )
        elif declared is not None:
            failures.append(f"{route['name']} does not stream, but {logical_id} declares {declared!r}")
    if not stream_endpoints:
        failures.append("the route table has no STREAM route: nothing to check")

    cfn = transform(sam_template)
    seen = set()
    for path, method, integration in integrations(cfn):
        seen.add((path, method))
        timeout = integration.get("timeoutInMillis", BUFFERED_MAX_MS)
        where = f"{method} {path}"
        if (path, method) in stream_endpoints:
            logical_id = by_endpoint[(path, method)][0]
            if integration.get("responseTransferMode") != "STREAM":
                failures.append(f"{where}: responseTransferMode is {integration.get('responseTransferMode')!r}")
            if not uri_text(integration).endswith(STREAM_URI % logical_id):
                failures.append(f"{where}: not the response-streaming URI: {uri_text(integration)}")
            if timeout > STREAM_MAX_MS:
                failures.append(f"{where}: timeout {timeout} ms > {STREAM_MAX_MS}")
        else:
            if integration.get("responseTransferMode", "BUFFERED") != "BUFFERED":
                failures.append(f"{where}: a buffered route with responseTransferMode {integration['responseTransferMode']}")
            if integration.get("type") == "aws_proxy":
                logical_id = by_endpoint.get((path, method), ("?",))[0]
                if not uri_text(integration).endswith(BUFFERED_URI % logical_id):
                    failures.append(f"{where}: not the invocations URI of {logical_id}: {uri_text(integration)}")
            if timeout > BUFFERED_MAX_MS:
                failures.append(f"{where}: timeout {timeout} ms > {BUFFERED_MAX_MS} on a buffered integration")
    for endpoint in by_endpoint:
        if endpoint not in seen:
            failures.append(f"{endpoint[1]} {endpoint[0]}: no integration in the transformed template")

    # `sam deploy` asks "has no authentication. Is this okay?" of each route it thinks
    # unauthenticated; the template declares that the functions authenticate.
    from samcli.commands.deploy.auth_utils import auth_per_resource
    from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

    stacks, _ = SamLocalStackProvider.get_stacks(template_path, parameter_overrides=PARAMETERS)
    unauthenticated = sorted({name for name, ok in auth_per_resource(stacks) if not ok})
    if unauthenticated:
        failures.append(f"sam deploy would ask about {len(unauthenticated)} functions: {unauthenticated[:3]}")

    count = len(cfn["Resources"])
    streamed = ", ".join(f"{m} {p}" for p, m in sorted(stream_endpoints))
    print(
        f"SAM transform: {count} resources (limit {MAX_RESOURCES}), {len(seen)} API methods, "
        f"streaming: {streamed or 'none'}"
    )
    if count >= MAX_RESOURCES:
        failures.append(f"{count} resources: not under {MAX_RESOURCES}")
    return report(failures)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
