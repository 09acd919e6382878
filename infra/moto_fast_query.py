"""DynamoDB Query in O(partition), for moto 5.2.5 (the pinned version).

moto's `Table.query` takes its candidates from `Table.all_items()`, which sorts every
item of the table on every call, for base-table queries as well as for indexes; and
`TransactWriteItems` deep-copies every table it touches, to roll back. With a few
hundred thousand items both take seconds. This module changes where candidates come
from and how a transaction is rolled back, and nothing else: moto's own query code still
does all the work (key conditions, order, `Limit`, `ExclusiveStartKey`, filters after
the limit, projections), on a candidate list that is guaranteed to hold every item it
would have matched.

- Base table: the candidates are the items of the queried partition.
- Global secondary indexes: an index (index name -> hash-key value -> primary key ->
  item) is kept in step with every write (`Table.put_item`, `Table.delete_item`,
  `DynamoDBBackend.update_item`, which changes items in place, and transactions); it
  is built from the table the first time it is needed.
- A string sort-key condition (`=`, `<`, `<=`, `>`, `>=`, `BETWEEN`, `begins_with`)
  narrows the candidates first, and they are handed over already in order, so moto's
  own filter and sort have little left to do. Anything else is left to moto.
- A base-table Scan page starts at its `ExclusiveStartKey` in a sorted list of the
  table kept between writes, instead of sorting the whole table again for each page.
- A read's results are not deep-copied (moto copies every item a query or scan returns,
  though nothing changes them on the way out, and reads run while no write does), and an
  item's size (checked against the 1 MB page limit for every candidate) is kept with it
  until a write changes it.
- Transactions keep an undo log of the items they touch (each copied before its
  write) instead of a copy of the whole table.
- The answers of the reads (`Query`, `Scan`, `GetItem`, `BatchGetItem`) are written
  with `json.dumps`: they already hold DynamoDB's wire format, and moto's generic
  serialiser, which walks the botocore shape of every attribute value, took longer than
  the query itself (about 0.7 ms an item). Binary values are written as base64, as
  moto writes them; anything else `json.dumps` cannot write goes through moto's
  serialiser as before.

`enable()` applies the patch and `disable()` removes it (the equivalence tests run the
same queries both ways). Reads may run concurrently with each other; writes must be
serialised against everything (the emulator's lock does that).
"""

import base64
import bisect
import copy
import inspect
import json
import threading

from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models import table as table_module
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import GlobalSecondaryIndex, Table
from moto.core.responses import ActionResult, PaginatedResult
from moto.dynamodb.comparisons import get_filter_expression

_ORIGINAL = {
    "all_items": Table.all_items,
    "query": Table.query,
    "scan": Table.scan,
    "put_item": Table.put_item,
    "delete_item": Table.delete_item,
    "update_item": DynamoDBBackend.update_item,
    "transact_write_items": DynamoDBBackend.transact_write_items,
    "execute_result": ActionResult.execute_result,
    "size": Item.size,
}
_QUERY_SIGNATURE = inspect.signature(_ORIGINAL["query"])
_SCAN_SIGNATURE = inspect.signature(_ORIGINAL["scan"])

# The candidates of the query running on this thread: (table, items).
_local = threading.local()
# Building an index (done once per table, by the first query that needs it).
_build_lock = threading.Lock()
# Bumped by every `enable()`: an index built before (writes may have gone by it while
# the patch was off) is built again.
_generation = 0


def _all_items(self):
    override = getattr(_local, "candidates", None)
    if override is not None and override[0] is self:
        return override[1]
    return _ORIGINAL["all_items"](self)


# The indexes.


def _index_hash_attrs(index):
    return [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"]


def _index_hash_value(index_attrs, item):
    values = []
    for name in index_attrs:
        value = item.attrs.get(name)
        if value is None:
            return None
        values.append(value)
    return tuple(values)


def _primary_key(item):
    return (item.hash_key, item.range_key)


def _state(table):
    """The table's index state, if built and still for its current set of GSIs."""
    state = table.__dict__.get("_fast_query_state")
    names = tuple(index.name for index in (table.global_indexes or []))
    if state is not None and state["names"] == names and state["generation"] == _generation:
        return state
    return None


def _build(table):
    with _build_lock:
        state = _state(table)
        if state is not None:
            return state
        indexes = {index.name: _index_hash_attrs(index) for index in (table.global_indexes or [])}
        state = {
            "generation": _generation,
            "names": tuple(indexes),
            "attrs": indexes,
            "buckets": {name: {} for name in indexes},
            "placed": {},
        }
        for item in _items_unsorted(table):
            _place(state, item)
        table.__dict__["_fast_query_state"] = state
        return state


def _items_unsorted(table):
    if table.range_key_attr:
        return [item for partition in list(table.items.values()) for item in list(partition.values())]
    return list(table.items.values())


def _place(state, item):
    """Files `item` under its current index keys (moving it from where it was)."""
    key = _primary_key(item)
    _remove(state, key)
    placed = {}
    for name, attrs in state["attrs"].items():
        value = _index_hash_value(attrs, item)
        if value is not None:
            state["buckets"][name].setdefault(value, {})[key] = item
            placed[name] = value
    if placed:
        state["placed"][key] = placed


def _remove(state, key):
    for name, value in state["placed"].pop(key, {}).items():
        bucket = state["buckets"][name].get(value)
        if bucket is not None:
            bucket.pop(key, None)
            if not bucket:
                del state["buckets"][name][value]


def _reindex(table, hash_key, range_key):
    """After a write at this primary key: the item as it now is, or its absence."""
    state = _state(table)
    if state is None:
        return
    try:
        item = table.get_item(hash_key, range_key)
    except MockValidationException:
        item = None
    if item is None:
        _remove(state, (hash_key, range_key))
    else:
        _place(state, item)


# Candidates.

_RANGE_TESTS = {
    "EQ": lambda v, a: v == a[0],
    "LT": lambda v, a: v < a[0],
    "LE": lambda v, a: v <= a[0],
    "GT": lambda v, a: v > a[0],
    "GE": lambda v, a: v >= a[0],
    "BETWEEN": lambda v, a: a[0] <= v <= a[1],
    "BEGINS_WITH": lambda v, a: v.startswith(a[0]),
}


def _narrowed(items, attr, comparison, operands):
    """`items` in the order of `attr` (a string), keeping only those that can meet the
    sort-key condition: the contiguous run of matches, plus the item on either side of
    it (moto ends a page that is full when it meets one more candidate, matching or not,
    so that is where its LastEvaluatedKey comes from). Items without `attr` as a string
    are all kept: moto decides on them."""
    test = _RANGE_TESTS.get(comparison) if comparison else None
    if test is not None and not all(isinstance(o, DynamoType) and o.type == "S" for o in operands):
        test = None
    ordered, other = [], []
    for item in items:
        value = item.attrs.get(attr) if attr else None
        if value is None or value.type != "S":
            other.append(item)
        else:
            ordered.append(item)
    ordered.sort(key=lambda item: item.attrs[attr].value)
    if test is None:
        return ordered + other
    raw = [o.value for o in operands]
    matches = [i for i, item in enumerate(ordered) if test(item.attrs[attr].value, raw)]
    if not matches:
        return other
    return ordered[max(matches[0] - 1, 0) : matches[-1] + 2] + other


def _candidates(table, bound):
    """Every item the query can match, or None to leave the query to moto as it is."""
    args = bound.arguments
    index_name = args.get("index_name")
    comparison = args.get("range_comparison")
    operands = args.get("range_objs") or []
    range_conditions = args.get("range_key_conditions")
    if range_conditions and len(range_conditions) > 1:
        comparison = None  # a multi-attribute sort key: no narrowing
    if not index_name:
        hash_key = args.get("hash_key")
        if hash_key is None:
            return None
        partition = table.items.get(hash_key)
        if partition is None:
            return []
        if not table.range_key_attr:
            return [partition] if isinstance(partition, Item) else []
        return _narrowed(list(partition.values()), table.range_key_attr, comparison, operands)
    index = next((i for i in (table.global_indexes or []) if i.name == index_name), None)
    if index is None or not isinstance(index, GlobalSecondaryIndex):
        return None  # a local index or an unknown name: moto answers (or refuses)
    attrs = _index_hash_attrs(index)
    conditions = dict(args.get("hash_key_conditions") or [])
    if conditions:
        if set(conditions) != set(attrs):
            return None
        value = tuple(conditions[name] for name in attrs)
    elif len(attrs) == 1 and args.get("hash_key") is not None:
        value = (args["hash_key"],)
    else:
        return None
    state = _state(table) or _build(table)
    bucket = state["buckets"][index_name].get(value, {})
    range_attrs = [key["AttributeName"] for key in index.schema if key["KeyType"] == "RANGE"]
    range_attr = range_attrs[0] if len(range_attrs) == 1 else None
    return _narrowed(list(bucket.values()), range_attr, comparison if range_attr else None, operands)


class _Copying:
    """`copy` as moto's table module sees it: during a patched read, results are handed
    on as they are instead of deep-copied."""

    def __getattr__(self, name):
        return getattr(copy, name)

    def deepcopy(self, value, memo=None):
        if getattr(_local, "reading", False):
            return list(value) if isinstance(value, list) else value
        return copy.deepcopy(value, memo)


def _read(table, run, candidates):
    _local.candidates = (table, candidates) if candidates is not None else None
    _local.reading = True
    try:
        return run()
    finally:
        _local.candidates = None
        _local.reading = False


def _size(self):
    size = self.__dict__.get("_fast_size")
    if size is None:
        size = _ORIGINAL["size"](self)
        self.__dict__["_fast_size"] = size
    return size


def _query(self, *args, **kwargs):
    bound = _QUERY_SIGNATURE.bind(self, *args, **kwargs)
    candidates = _candidates(self, bound)
    return _read(self, lambda: _ORIGINAL["query"](self, *args, **kwargs), candidates)


# Scans.


def _order_key(table, hash_value, range_value):
    return (hash_value.cast_value, range_value.cast_value if table.range_key_attr else None)


def _scan_order(table):
    """Every item of the table in moto's scan order, with their keys (kept until a write)."""
    order = table.__dict__.get("_fast_scan_order")
    if order is None or order[0] != _generation:
        items = _items_unsorted(table)
        items.sort(key=lambda item: _order_key(table, item.hash_key, item.range_key))
        keys = [_order_key(table, item.hash_key, item.range_key) for item in items]
        order = (_generation, items, keys)
        table.__dict__["_fast_scan_order"] = order
    return order[1], order[2]


def _scan(self, *args, **kwargs):
    bound = _SCAN_SIGNATURE.bind(self, *args, **kwargs)
    if bound.arguments.get("index_name"):
        return _read(self, lambda: _ORIGINAL["scan"](self, *args, **kwargs), None)
    items, keys = _scan_order(self)
    start = bound.arguments.get("exclusive_start_key")
    position = 0
    if start:
        try:
            hash_value = DynamoType(start[self.hash_key_attr])
            range_value = DynamoType(start[self.range_key_attr]) if self.range_key_attr else None
            # From one before the start: moto skips what comes before or at it.
            position = max(bisect.bisect_left(keys, _order_key(self, hash_value, range_value)) - 1, 0)
        except (KeyError, TypeError):
            position = 0
    candidates = items[position:] if position else items
    return _read(self, lambda: _ORIGINAL["scan"](self, *args, **kwargs), candidates)


# Writes.


def _written(table):
    """A write changed which items the table holds: its sorted list is stale."""
    table.__dict__.pop("_fast_scan_order", None)


def _put_item(self, item_attrs, *args, **kwargs):
    item = _ORIGINAL["put_item"](self, item_attrs, *args, **kwargs)
    _written(self)
    state = _state(self)
    if state is not None:
        _place(state, item)
    return item


def _delete_item(self, hash_key, range_key):
    item = _ORIGINAL["delete_item"](self, hash_key, range_key)
    _written(self)
    state = _state(self)
    if state is not None and item is not None:
        _remove(state, (hash_key, range_key))
    return item


def _key_of(table, key):
    hash_key = DynamoType(key[table.hash_key_attr])
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return hash_key, range_key


def _update_item(self, table_name, key, *args, **kwargs):
    table = self.get_table(table_name)
    try:
        return _ORIGINAL["update_item"](self, table_name, key, *args, **kwargs)
    finally:
        # The item is changed in place (possibly before a failure): its size is stale,
        # and it is indexed as it now is.
        if table.hash_key_attr in key:
            try:
                item = table.get_item(*_key_of(table, key))
            except (MockValidationException, KeyError):
                item = None
            if item is not None:
                item.__dict__.pop("_fast_size", None)
            if _state(table) is not None:
                _reindex(table, *_key_of(table, key))


def _restore(table, hash_key, range_key, previous):
    if previous is None:
        table.delete_item(hash_key, range_key)
        return
    if table.range_key_attr:
        table.items.setdefault(hash_key, {})[range_key] = previous
    else:
        table.items[hash_key] = previous
    _written(table)
    state = _state(table)
    if state is not None:
        _place(state, previous)


def _transact_write_items(self, transact_items):
    """TransactWriteItems as moto runs it (every operation is tried; any failure cancels
    them all), rolled back from an undo log of the touched items."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo = []
    seen = set()

    def rollback():
        for table, hash_key, range_key, previous in reversed(undo):
            _restore(table, hash_key, range_key, previous)

    errors = []
    for entry in transact_items:
        if len(entry) > 1:
            rollback()
            raise TransactWriteSingleOpException
        returned_item = None
        try:
            op_type, op = next(iter(entry.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            condition = op.get("ConditionExpression")
            if op_type == "Put":
                table = self.get_table(table_name)
                key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = op["Item"][table.range_key_attr]
            else:
                key = op["Key"]
            identity = (str(table_name), str(dict(sorted(key.items()))))
            if identity in seen:
                raise MultipleTransactionsException()
            seen.add(identity)

            current = self.get_item(table_name, key)
            if condition is not None:
                if not get_filter_expression(condition, names, values).expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        returned_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=returned_item)
            if op_type != "ConditionCheck":
                table = self.get_table(table_name)
                undo.append((table, *_key_of(table, key), copy.deepcopy(current)))
            if op_type == "Put":
                self.put_item(
                    table_name,
                    op["Item"],
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    table_name,
                    key,
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Update":
                self.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            rollback()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), returned_item))
        except Exception as e:  # noqa: BLE001 - every other failure cancels the transaction too
            errors.append((type(e).__name__, str(e), returned_item))
    if any(code is not None for code, _, _ in errors):
        rollback()
        raise TransactionCanceledException(errors)


# Responses.

_READS = {"Query", "Scan", "GetItem", "BatchGetItem"}


def _base64(value):
    """Binary attribute values: base64 text on the wire (as moto's serialiser writes them)."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _execute_result(self, context):
    result = self.result
    fast = (
        not isinstance(self, PaginatedResult)
        and isinstance(result, dict)
        and context.service_model.service_name == "dynamodb"
        and context.operation_model.name in _READS
    )
    if fast:
        try:
            body = json.dumps(result, separators=(",", ":"), allow_nan=False, default=_base64)
        except (TypeError, ValueError):
            body = None
        if body is not None:
            status, headers, _ = _ORIGINAL["execute_result"](ActionResult({}), context)
            return status, headers, body
    return _ORIGINAL["execute_result"](self, context)


_PATCHED = {
    (Table, "all_items"): _all_items,
    (Table, "query"): _query,
    (Table, "scan"): _scan,
    (Table, "put_item"): _put_item,
    (Table, "delete_item"): _delete_item,
    (DynamoDBBackend, "update_item"): _update_item,
    (DynamoDBBackend, "transact_write_items"): _transact_write_items,
    (ActionResult, "execute_result"): _execute_result,
    (Item, "size"): _size,
}


def enable():
    global _generation
    _generation += 1
    for (cls, name), function in _PATCHED.items():
        setattr(cls, name, function)
    table_module.copy = _Copying()


def disable():
    for (cls, name), _ in _PATCHED.items():
        setattr(cls, name, _ORIGINAL[name])
    table_module.copy = copy
