"""Equivalence of the emulator's DynamoDB patch (infra/moto_fast_query.py): the same
queries, on generated data, against moto as pinned and against moto patched, give the
same pages (items, counts, LastEvaluatedKey), through every page; on the base table and
on global secondary indexes (with and without a sort key), with and without
ScanIndexForward, Limit, sort-key conditions, filters and projections; after writes
that move items between index partitions, and after transactions that commit or are
cancelled. Prints how long a Query takes both ways.

Usage: python infra/tests/test_moto_fast_query.py   (in-process moto; no server)
"""

import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

import moto_fast_query  # noqa: E402

TABLE = "equivalence"
KINDS = ["CHAT#", "PAIR#", "MEMORY#", "PROJECT#", "USAGE#2026-11-2", "PROTOTYPE#"]
rng = random.Random(20261126)


def create_table(client):
    attribute = lambda name: {"AttributeName": name, "AttributeType": "S"}  # noqa: E731
    key = lambda name, kind: {"AttributeName": name, "KeyType": kind}  # noqa: E731
    everything = {"ProjectionType": "ALL"}
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[attribute(a) for a in ["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK"]],
        KeySchema=[key("PK", "HASH"), key("SK", "RANGE")],
        GlobalSecondaryIndexes=[
            {"IndexName": "GSI1", "KeySchema": [key("GSI1PK", "HASH"), key("GSI1SK", "RANGE")], "Projection": everything},
            {"IndexName": "GSI2", "KeySchema": [key("GSI2PK", "HASH"), key("GSI2SK", "RANGE")], "Projection": everything},
            {"IndexName": "GSI3", "KeySchema": [key("GSI3PK", "HASH")], "Projection": everything},
        ],
    )


def random_item(partition):
    kind = rng.choice(KINDS)
    item = {
        "PK": {"S": partition},
        "SK": {"S": f"{kind}{rng.randrange(10**6):06d}"},
        "kind": {"S": kind.rstrip("#")},
        "n": {"N": str(rng.randrange(100))},
        "text": {"S": "x" * rng.randrange(1, 200)},
    }
    if rng.random() < 0.2:
        item["blob"] = {"B": bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))}
        item["tags"] = {"SS": [f"t{i}" for i in range(rng.randrange(1, 4))]}
        item["nested"] = {"M": {"ok": {"BOOL": True}, "none": {"NULL": True}, "list": {"L": [{"N": "1.5"}, {"S": "é ✓"}]}}}
    if rng.random() < 0.6:
        item["GSI1PK"] = {"S": f"G1#{rng.randrange(6)}"}
        if rng.random() < 0.9:  # an item without the index's sort key is not in the index
            item["GSI1SK"] = {"S": f"{rng.randrange(10**15):015d}#{rng.randrange(1000)}"}
    if rng.random() < 0.3:
        item["GSI2PK"] = {"S": f"G2#{rng.randrange(4)}"}
        item["GSI2SK"] = {"S": item["SK"]["S"]}
    if rng.random() < 0.3:
        item["GSI3PK"] = {"S": f"G3#{rng.randrange(3)}"}
    return item


def fill(client, partitions, per_partition):
    items = [random_item(p) for p in partitions for _ in range(rng.randrange(per_partition + 1))]
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        client.batch_write_item(RequestItems={TABLE: batch})


def query_specs(partitions, count):
    specs = []
    for _ in range(count):
        index = rng.choice([None, None, "GSI1", "GSI2", "GSI3"])
        if index is None:
            hash_name, hash_value, range_name = "PK", rng.choice(partitions), "SK"
        elif index == "GSI1":
            hash_name, hash_value, range_name = "GSI1PK", f"G1#{rng.randrange(7)}", "GSI1SK"
        elif index == "GSI2":
            hash_name, hash_value, range_name = "GSI2PK", f"G2#{rng.randrange(5)}", "GSI2SK"
        else:
            hash_name, hash_value, range_name = "GSI3PK", f"G3#{rng.randrange(4)}", None
        spec = {"TableName": TABLE, "ExpressionAttributeValues": {":h": {"S": hash_value}}}
        names = {"#h": hash_name}
        condition = "#h = :h"
        kind = rng.choice([None, "begins_with", "between", "<", ">=", "="]) if range_name else None
        if kind:
            names["#r"] = range_name
            values = spec["ExpressionAttributeValues"]
            if range_name == "GSI1SK":
                low, high = sorted(f"{rng.randrange(10**15):015d}" for _ in range(2))
                prefix = f"{rng.randrange(10)}"
            else:
                low, high = sorted(f"{rng.choice(KINDS)}{rng.randrange(10**6):06d}" for _ in range(2))
                prefix = rng.choice(KINDS + ["PAIR#1", "MEMORY#9", "Z"])
            if kind == "begins_with":
                condition += " AND begins_with(#r, :a)"
                values[":a"] = {"S": prefix}
            elif kind == "between":
                condition += " AND #r BETWEEN :a AND :b"
                values[":a"], values[":b"] = {"S": low}, {"S": high}
            else:
                condition += f" AND #r {kind} :a"
                values[":a"] = {"S": low}
        spec["KeyConditionExpression"] = condition
        if index:
            spec["IndexName"] = index
        if rng.random() < 0.5:
            spec["ScanIndexForward"] = False
        limit = rng.choice([None, 1, 3, 7, 20])
        if limit:
            spec["Limit"] = limit
        if rng.random() < 0.3:
            spec["FilterExpression"] = "#k = :k OR n < :n"
            names["#k"] = "kind"
            spec["ExpressionAttributeValues"][":k"] = {"S": rng.choice(KINDS).rstrip("#")}
            spec["ExpressionAttributeValues"][":n"] = {"N": str(rng.randrange(100))}
        if rng.random() < 0.3:
            spec["ProjectionExpression"] = rng.choice(["PK, SK, #n", "SK, tags, nested, #b, #n, absent_attribute", "nested.ok, #n"])
            names["#n"] = "n"
            if "#b" in spec["ProjectionExpression"]:
                names["#b"] = "blob"
        if rng.random() < 0.2:
            # A start key that need not be an item (one deleted since, or made up).
            start = {"PK": {"S": rng.choice(partitions)}, "SK": {"S": f"{rng.choice(KINDS)}{rng.randrange(10**6):06d}"}}
            if index is None:
                start["PK"] = {"S": hash_value}
            elif range_name:
                start[hash_name] = {"S": hash_value}
                start[range_name] = {"S": f"{rng.randrange(10**15):015d}" if range_name == "GSI1SK" else start["SK"]["S"]}
            else:
                start[hash_name] = {"S": hash_value}
            spec["ExclusiveStartKey"] = start
        spec["ExpressionAttributeNames"] = names
        specs.append(spec)
    return specs


SCANS = [
    {"TableName": TABLE, "Limit": 7},
    {"TableName": TABLE, "Limit": 97},
    {"TableName": TABLE, "Limit": 250, "FilterExpression": "n < :n", "ExpressionAttributeValues": {":n": {"N": "30"}}},
    {"TableName": TABLE, "Limit": 400, "ProjectionExpression": "PK, SK, kind"},
]


def pages(client, spec, operation="query"):
    """Every page of the query (or scan): (items, count, scanned count, LastEvaluatedKey)."""
    seen, start = [], spec.get("ExclusiveStartKey")
    for _ in range(1000):
        request = dict(spec)
        request.pop("ExclusiveStartKey", None)
        if start:
            request["ExclusiveStartKey"] = start
        out = getattr(client, operation)(**request)
        start = out.get("LastEvaluatedKey")
        seen.append((out["Items"], out["Count"], out["ScannedCount"], start))
        if not start:
            return seen
    raise AssertionError(f"no end to the pages of {spec}")


def everything(client):
    items = []
    for page in client.get_paginator("scan").paginate(TableName=TABLE):
        items.extend(page["Items"])
    return sorted(items, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))


def unordered_sets(value):
    """`value` with the members of every set sorted: DynamoDB sets have no order (moto's
    projection passes them through a Python set)."""
    if isinstance(value, dict):
        return {k: sorted(v) if k in ("SS", "NS", "BS") else unordered_sets(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(unordered_sets(v) for v in value)
    return value


def both_ways(client, specs, label):
    """The patched answers first, from what the patch kept since it was enabled (lists,
    indexes, JSON, maintained through the writes in between), then moto's."""
    moto_fast_query.enable()
    fast = unordered_sets([pages(client, spec) for spec in specs])
    moto_fast_query.disable()
    plain = unordered_sets([pages(client, spec) for spec in specs])
    moto_fast_query.enable()
    for spec, expected, got in zip(specs, plain, fast):
        if got != expected:
            differing = next(i for i, (a, b) in enumerate(zip(got + [None] * len(expected), expected)) if a != b)
            raise AssertionError(
                f"{label}: the patched query differs for {spec} at page {differing} "
                f"({len(got)} pages against {len(expected)}):\n{str(got[differing:differing + 1])[:2000]}\n!=\n"
                f"{str(expected[differing:differing + 1])[:2000]}"
            )
    rows = sum(len(page[0]) for result in plain for page in result)
    print(f"{label}: {len(specs)} queries, {sum(len(r) for r in plain)} pages, {rows} items: identical")
    fast = [pages(client, spec, "scan") for spec in SCANS]
    moto_fast_query.disable()
    plain = [pages(client, spec, "scan") for spec in SCANS]
    moto_fast_query.enable()
    assert fast == plain, f"{label}: a patched scan differs"
    print(f"{label}: {len(SCANS)} scans, {sum(len(r) for r in plain)} pages: identical")
    found = {(item["PK"]["S"], item["SK"]["S"]) for item in plain[0][0][0] + plain[1][0][0]}
    keys = [{"PK": {"S": pk}, "SK": {"S": sk}} for pk, sk in rng.sample(sorted(found), 20)]
    keys.append({"PK": {"S": "USER#none"}, "SK": {"S": "PAIR#000000"}})
    gets = []
    for enabled in (True, False):
        (moto_fast_query.enable if enabled else moto_fast_query.disable)()
        single = [client.get_item(TableName=TABLE, Key=key).get("Item") for key in keys]
        projected = [
            client.get_item(
                TableName=TABLE, Key=key, ProjectionExpression="SK, nested, #b", ExpressionAttributeNames={"#b": "blob"}
            ).get("Item")
            for key in keys
        ]
        batch = client.batch_get_item(RequestItems={TABLE: {"Keys": keys}})["Responses"][TABLE]
        gets.append((single, projected, sorted(batch, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))))
    moto_fast_query.enable()
    assert gets[0] == gets[1], f"{label}: a patched GetItem or BatchGetItem differs"
    print(f"{label}: {len(keys)} keys through GetItem and BatchGetItem: identical")


def writes(client, partitions):
    """Updates that move items between index partitions (or out of an index) or change
    them in place, deletes, puts, and transactions that commit or are cancelled."""
    items = everything(client)
    for item in rng.sample(items, 150):
        key = {"PK": item["PK"], "SK": item["SK"]}
        choice = rng.randrange(5)
        if choice == 4:  # in place, no key moves: the item keeps its place in every list
            client.update_item(
                TableName=TABLE,
                Key=key,
                UpdateExpression="SET #t = :t ADD n :one",
                ExpressionAttributeNames={"#t": "text"},
                ExpressionAttributeValues={":t": {"S": f"changed {rng.randrange(1000)}"}, ":one": {"N": "1"}},
            )
        elif choice == 0:
            client.update_item(
                TableName=TABLE,
                Key=key,
                UpdateExpression="SET GSI1PK = :p, GSI1SK = :s",
                ExpressionAttributeValues={":p": {"S": f"G1#{rng.randrange(6)}"}, ":s": {"S": f"{rng.randrange(10**15):015d}#u"}},
            )
        elif choice == 1:
            client.update_item(TableName=TABLE, Key=key, UpdateExpression="REMOVE GSI1PK, GSI2PK, GSI3PK")
        elif choice == 2:
            client.delete_item(TableName=TABLE, Key=key)
        else:
            client.put_item(TableName=TABLE, Item=random_item(rng.choice(partitions)))
    # An update of a missing item: refused by its condition (nothing changes), or an upsert.
    missing = {"PK": {"S": partitions[2]}, "SK": {"S": "PAIR#missing"}}
    try:
        client.update_item(
            TableName=TABLE,
            Key=missing,
            UpdateExpression="SET n = :n",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={":n": {"N": "1"}},
        )
        raise AssertionError("the update of a missing item should have been refused")
    except client.exceptions.ConditionalCheckFailedException:
        pass
    client.update_item(
        TableName=TABLE,
        Key=missing,
        UpdateExpression="SET n = :n, GSI3PK = :g",
        ExpressionAttributeValues={":n": {"N": "2"}, ":g": {"S": "G3#1"}},
    )
    # A transaction that commits: a put, an update moving an item, a delete.
    a, b, c = rng.sample(everything(client), 3)
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": random_item(partitions[0])}},
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"PK": a["PK"], "SK": a["SK"]},
                    "UpdateExpression": "SET GSI3PK = :p",
                    "ExpressionAttributeValues": {":p": {"S": "G3#0"}},
                }
            },
            {"Delete": {"TableName": TABLE, "Key": {"PK": b["PK"], "SK": b["SK"]}}},
        ]
    )
    # Cancelled transactions change nothing, whichever of their items failed.
    before = everything(client)
    d, e = rng.sample(before, 2)
    for failing in range(3):
        ops = [
            {"Put": {"TableName": TABLE, "Item": dict(random_item(partitions[1]), GSI1PK={"S": "G1#0"}, GSI1SK={"S": "0"})}},
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"PK": d["PK"], "SK": d["SK"]},
                    "UpdateExpression": "SET GSI2PK = :p, GSI2SK = :s ADD n :one",
                    "ExpressionAttributeValues": {":p": {"S": "G2#0"}, ":s": {"S": "moved"}, ":one": {"N": "1"}},
                }
            },
            {"Delete": {"TableName": TABLE, "Key": {"PK": e["PK"], "SK": e["SK"]}}},
        ]
        target = ops[failing][next(iter(ops[failing]))]
        target["ConditionExpression"] = "attribute_not_exists(PK)" if failing else "attribute_exists(PK)"
        try:
            client.transact_write_items(TransactItems=ops)
            raise AssertionError("the transaction should have been cancelled")
        except client.exceptions.TransactionCanceledException as err:
            reasons = [r["Code"] for r in err.response["CancellationReasons"]]
            assert reasons[failing] == "ConditionalCheckFailed", reasons
        assert everything(client) == before, "a cancelled transaction changed the table"
    _ = c


def timing(client):
    """Query p50 of a 20-item partition, on the base table and on GSI1, both ways."""
    partition = "TIMING"
    for i in range(20):
        item = random_item(partition)
        item.update({"SK": {"S": f"PAIR#{i:04d}"}, "GSI1PK": {"S": "TIMING"}, "GSI1SK": {"S": f"{i:015d}"}})
        client.put_item(TableName=TABLE, Item=item)
    total = client.scan(TableName=TABLE, Select="COUNT")["Count"]
    requests = {
        "base table": {"TableName": TABLE, "KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": partition}}},
        "GSI": {
            "TableName": TABLE,
            "IndexName": "GSI1",
            "KeyConditionExpression": "GSI1PK = :p",
            "ExpressionAttributeValues": {":p": {"S": "TIMING"}},
        },
    }
    for label, request in requests.items():
        figures = []
        for enabled in (False, True):
            (moto_fast_query.enable if enabled else moto_fast_query.disable)()
            samples = []
            for _ in range(30):
                started = time.perf_counter()
                assert len(client.query(**request)["Items"]) == 20
                samples.append((time.perf_counter() - started) * 1000)
            figures.append(statistics.median(samples))
        print(f"Query of a 20-item partition, {label}, {total} items in the table: p50 {figures[0]:.1f} ms as pinned, {figures[1]:.1f} ms patched")


def main():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client)
        partitions = [f"USER#{i}" for i in range(25)]
        moto_fast_query.enable()
        fill(client, partitions, 50)
        specs = query_specs(partitions + ["USER#none"], 250)
        both_ways(client, specs, "generated data")
        # What the patch keeps (every list, index and item's JSON the queries reach) is
        # built now, and kept in step through the writes.
        for spec in specs:
            pages(client, spec)
        writes(client, partitions)
        both_ways(client, specs, "after updates, deletes and transactions")
        # Single writes right after the lists they touch were read and kept: a delete and
        # a move out of an index partition, each the only write since.
        for spec in specs:
            pages(client, spec)
        indexed = [item for item in everything(client) if "GSI2PK" in item and "GSI1PK" in item]
        gone, moved = rng.sample(indexed, 2)
        client.delete_item(TableName=TABLE, Key={"PK": gone["PK"], "SK": gone["SK"]})
        both_ways(client, [s for s in specs if s.get("IndexName") in ("GSI1", "GSI2")], "after a delete")
        client.update_item(
            TableName=TABLE,
            Key={"PK": moved["PK"], "SK": moved["SK"]},
            UpdateExpression="SET GSI2PK = :p REMOVE GSI1PK",
            ExpressionAttributeValues={":p": {"S": "G2#elsewhere"}},
        )
        both_ways(client, [s for s in specs if s.get("IndexName") in ("GSI1", "GSI2")], "after a move")
        moto_fast_query.enable()
        fill(client, [f"BULK#{i}" for i in range(250)], 80)
        timing(client)
        moto_fast_query.enable()
    print("moto_fast_query: equivalent")


if __name__ == "__main__":
    main()
