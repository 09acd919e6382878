"""DynamoDB Query in O(page), for moto 5.2.5 (the pinned version).

moto's `Table.query` takes its candidates from `Table.all_items()`, which sorts every
item of the table on every call, for base-table queries as well as for indexes; and
`TransactWriteItems` deep-copies every table it touches, to roll back. With a few
hundred thousand items both take seconds. This module changes where candidates come
from and how a transaction is rolled back, and nothing else: moto's own query code still
does the work (key conditions, order, `Limit`, `ExclusiveStartKey`, filters after the
limit), on a candidate list that is guaranteed to hold every item it would have met.

- Base table: the candidates are the items of the queried partition.
- Global secondary indexes: an index (index name -> hash-key value -> primary key ->
  item) is kept in step with every write (`Table.put_item`, `Table.delete_item`,
  `DynamoDBBackend.update_item`, which changes items in place, and transactions); it
  is built from the table the first time it is needed.
- Each list (a partition, or an index's partition) is kept in moto's query order, with
  its items' sort tuples as plain strings, until a write touches it. A query hands moto
  only the window of it that its page can reach: the run that meets the sort-key
  condition (`=`, `<`, `<=`, `>`, `>=`, `BETWEEN`, `begins_with`, found by bisection),
  from the `ExclusiveStartKey`, up to `Limit` items, and the item on either side (where
  moto decides that a page is full). Lists with a key that is not a string, and
  multi-attribute keys, get every candidate of the partition, sorted, as before.
- A base-table Scan page starts at its `ExclusiveStartKey` in a sorted list of the
  table kept between writes, instead of sorting the whole table again for each page.
- A read's results are not deep-copied (moto copies every item a query or scan returns,
  though nothing changes them on the way out, and reads run while no write does), and an
  item's size (checked against the 1 MB page limit for every candidate) is kept with it
  until a write changes it.
- Transactions keep an undo log of the items they touch (each copied before its
  write) instead of a copy of the whole table.
- Two costs paid for every attribute or every byte: `DynamoType.cast_value` (called
  for every comparison) answers strings, binaries and booleans directly, and moto's
  regular expression that sets the request id in an XML body is not run over a body
  without `<RequestId>` (a 280 KB JSON answer took 2 ms).
- The answers of the reads (`Query`, `Scan`, `GetItem`, `BatchGetItem`) are written
  with `json.dumps`: they already hold DynamoDB's wire format, and moto's generic
  serialiser, which walks the botocore shape of every attribute value, took longer than
  the query itself (about 0.7 ms an item). Binary values are written as base64, as
  moto writes them; anything else `json.dumps` cannot write goes through moto's
  serialiser as before.
- Each item's JSON (attribute by attribute) is kept with it until a write changes it,
  and a read's answer is joined from those pieces: moto's conversion of its attribute
  objects to plain values (`dynamo_to_dict`, about 35 us an item) and `json.dumps` are
  paid once per version of an item instead of on every read of it.
- A query's projection of top-level attributes picks them from the item, instead of
  moto's `Item.project`, which writes the whole item out to plain values once per
  projected name and back (14 names over 500 items took 300 ms). A set's members may
  come out in another order than moto's (which goes through a Python set): DynamoDB
  sets have no order.

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
from moto.dynamodb import responses as responses_module
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import GlobalSecondaryIndex, Table
from moto.core.responses import ActionResult, BaseResponse, PaginatedResult
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
    "dynamo_to_dict": responses_module.dynamo_to_dict,
    "cast_value": DynamoType.cast_value,
    "_enrich_response": BaseResponse.__dict__["_enrich_response"],
}
# The read handlers, whose answers are written from each item's kept JSON.
_READ_HANDLERS = ("query", "scan", "get_item", "batch_get_item")
_ORIGINAL_HANDLERS = {name: getattr(responses_module.DynamoHandler, name) for name in _READ_HANDLERS}
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
            "views": {},
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
            state["views"].pop((name, value), None)
            placed[name] = value
    if placed:
        state["placed"][key] = placed


def _remove(state, key):
    for name, value in state["placed"].pop(key, {}).items():
        state["views"].pop((name, value), None)
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

# moto names a sort-key comparison by its symbol or by its name.
_COMPARISONS = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}


def _comparison(name):
    return _COMPARISONS.get(name, name.upper()) if isinstance(name, str) else None


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
    test = _RANGE_TESTS.get(_comparison(comparison)) if comparison else None
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


_NO_VIEW = object()  # a list that holds a sort-key value other than a string


def _view(state, view_key, members, sort_attrs, required):
    """The items of one list (a partition, or an index partition) in moto's query order,
    with their sort tuples (kept until a write touches the list); `_NO_VIEW` when a sort
    attribute is not a string, so the order cannot be kept as plain strings."""
    view = state["views"].get(view_key)
    if view is not None:
        return view
    rows = []
    for item in members:
        attrs = item.attrs
        if any(name not in attrs for name in required):
            continue  # not in the index (moto skips it too)
        values = []
        for name in sort_attrs:
            value = attrs.get(name)
            if value is None or value.type != "S":
                state["views"][view_key] = _NO_VIEW
                return _NO_VIEW
            values.append(value.value)
        rows.append((tuple(values), item))
    rows.sort(key=lambda row: row[0])
    keys = [row[0] for row in rows]
    view = (keys, [row[1] for row in rows])
    state["views"][view_key] = view
    return view


def _successor(prefix):
    """The least string above every string that starts with `prefix` (None: no such)."""
    if not prefix or ord(prefix[-1]) >= 0x10FFFF:
        return None
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _range_bounds(firsts, comparison, operands):
    """[lo, hi): the run of `firsts` (sorted strings) that meets the sort-key condition,
    or None when it cannot be told from strings."""
    n = len(firsts)
    if not comparison:
        return 0, n
    if not operands or not all(isinstance(o, DynamoType) and o.type == "S" for o in operands):
        return None
    a = operands[0].value
    comparison = _comparison(comparison)
    if comparison == "EQ":
        return bisect.bisect_left(firsts, a), bisect.bisect_right(firsts, a)
    if comparison == "LT":
        return 0, bisect.bisect_left(firsts, a)
    if comparison == "LE":
        return 0, bisect.bisect_right(firsts, a)
    if comparison == "GT":
        return bisect.bisect_right(firsts, a), n
    if comparison == "GE":
        return bisect.bisect_left(firsts, a), n
    if comparison == "BETWEEN" and len(operands) == 2:
        lo, hi = bisect.bisect_left(firsts, a), bisect.bisect_right(firsts, operands[1].value)
        return lo, max(lo, hi)
    if comparison == "BEGINS_WITH":
        lo = bisect.bisect_left(firsts, a)
        above = _successor(a)
        if above is None:
            hi = lo
            while hi < n and firsts[hi].startswith(a):
                hi += 1
            return lo, hi
        return lo, bisect.bisect_left(firsts, above)
    return None


# A page may end early at 1 MB (moto checks every item it meets against that): a window
# whose items come within an item's largest size of it is widened to the end of the list.
_SIZE_MARGIN = table_module.RESULT_SIZE_LIMIT - 400 * 1024


def _window(view, sort_attrs, range_position, bound):
    """The part of the list moto's query will meet: the matches it can return (after the
    start key, up to the limit) and the item on either side of them (where moto decides
    that a page is full, or skips the start). None when it cannot be told exactly."""
    keys, items = view
    args = bound.arguments
    firsts = [key[range_position] for key in keys] if args.get("range_comparison") else None
    bounds = _range_bounds(firsts or [], args.get("range_comparison"), args.get("range_objs") or [])
    if bounds is None:
        return None
    lo, hi = bounds if firsts is not None else (0, len(keys))
    start = args.get("exclusive_start_key")
    start_key = None
    if start:
        try:
            start_key = tuple(start[name]["S"] for name in sort_attrs)
        except (KeyError, TypeError):
            return None
        if not all(isinstance(value, str) for value in start_key):
            return None
    limit = args.get("limit")
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        return None
    n = len(keys)
    if args.get("scan_index_forward") is not False:
        first = max(lo, bisect.bisect_right(keys, start_key) if start_key is not None else 0)
        last = hi if limit is None else max(first, min(hi, first + limit))
        window = items[max(first - 1, 0) : min(last + 1, n)]
        if sum(item.size() for item in window) > _SIZE_MARGIN:
            window = items[max(first - 1, 0) :]
    else:
        top = min(hi, bisect.bisect_left(keys, start_key) if start_key is not None else n)
        bottom = lo if limit is None else min(top, max(lo, top - limit))
        window = items[max(bottom - 1, 0) : min(top + 1, n)]
        if sum(item.size() for item in window) > _SIZE_MARGIN:
            window = items[: min(top + 1, n)]
    return window


def _candidates(table, bound):
    """Every item the query can match (in moto's order, and as few more as keep its
    answer the same), or None to leave the query to moto as it is."""
    args = bound.arguments
    index_name = args.get("index_name")
    comparison = args.get("range_comparison")
    operands = args.get("range_objs") or []
    range_conditions = args.get("range_key_conditions")
    if range_conditions and len(range_conditions) > 1:
        comparison = None  # a multi-attribute sort key: no narrowing, no window
        windowed = False
    else:
        windowed = True
    if not index_name:
        hash_key = args.get("hash_key")
        if hash_key is None:
            return None
        partition = table.items.get(hash_key)
        if partition is None:
            return []
        if not table.range_key_attr:
            return [partition] if isinstance(partition, Item) else []
        members = list(partition.values())
        if windowed:
            state = _state(table) or _build(table)
            sort_attrs = table._generate_attr_to_sort_by([table.hash_key_attr], [table.range_key_attr])
            view = _view(state, (None, hash_key), members, sort_attrs, ())
            if view is not _NO_VIEW and sort_attrs[1:2] == [table.range_key_attr]:
                window = _window(view, sort_attrs, 1, bound)
                if window is not None:
                    return window
        return _narrowed(members, table.range_key_attr, comparison, operands)
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
    members = list(bucket.values())
    if windowed and len(attrs) == 1 and len(range_attrs) <= 1 and table.range_key_attr and (range_attr or not comparison):
        # moto's order for an index: its keys, then the table's (see Table.query).
        sort_attrs = table._generate_attr_to_sort_by(
            attrs + [table.hash_key_attr], (range_attrs or [table.range_key_attr]) + [table.range_key_attr]
        )
        if not range_attr or sort_attrs[1] == range_attr:
            view = _view(state, (index_name, value), members, sort_attrs, range_attrs)
            if view is not _NO_VIEW:
                window = _window(view, sort_attrs, 1, bound)
                if window is not None:
                    return window
    return _narrowed(members, range_attr, comparison if range_attr else None, operands)


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


def _changed(item):
    """`item` was changed in place: what is kept with it is stale."""
    item.__dict__.pop("_fast_size", None)
    item.attrs.__dict__.pop("_fast_json", None)


def _size(self):
    size = self.__dict__.get("_fast_size")
    if size is None:
        size = _ORIGINAL["size"](self)
        self.__dict__["_fast_size"] = size
    return size


def _top_level_names(projections):
    """The attribute names of a projection of top-level attributes only, else None."""
    names = []
    for path in projections or []:
        if len(path) != 1 or not isinstance(path[0], str) or "[" in path[0]:
            return None
        names.append(path[0])
    return names or None


def _projected(item, names):
    """`item` with only the attributes `names` (distinct; moto's `Item.project` for
    top-level names, without writing the item out to plain values and back). Kept with
    the item's JSON until a write changes it, so a read that repeats a projection builds
    nothing. Made with `object.__new__`: moto's models append every instance they make to
    a list kept for the life of the process, and a projection is a throwaway view."""
    source = item.attrs
    kept = _kept_json(source)
    if kept is not None:
        projected = kept[3].get(names)
        if projected is not None and projected.hash_key is item.hash_key and projected.range_key is item.range_key:
            return projected
    projected = object.__new__(Item)
    projected.hash_key = item.hash_key
    projected.range_key = item.range_key
    attrs = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.__init__(attrs, {name: source[name] for name in names if name in source})
    attrs.__dict__["_fast_projected_from"] = source
    projected.attrs = attrs
    if kept is not None:
        kept[3][names] = projected
    return projected


def _query(self, *args, **kwargs):
    bound = _QUERY_SIGNATURE.bind(self, *args, **kwargs)
    candidates = _candidates(self, bound)
    names = _top_level_names(bound.arguments.get("projection_expressions"))
    if names is None:
        return _read(self, lambda: _ORIGINAL["query"](self, *args, **kwargs), candidates)
    # A projection of top-level attributes: the items are projected here, after moto.
    bound.arguments["projection_expressions"] = None
    items, scanned, last_key = _read(self, lambda: _ORIGINAL["query"](*bound.args, **bound.kwargs), candidates)
    names = tuple(dict.fromkeys(names))
    return [_projected(item, names) for item in items], scanned, last_key


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


def _written(table, hash_key):
    """A write changed which items the table holds (in the partition `hash_key`): the
    sorted lists that hold them are stale."""
    table.__dict__.pop("_fast_scan_order", None)
    state = _state(table)
    if state is not None:
        state["views"].pop((None, hash_key), None)


def _put_item(self, item_attrs, *args, **kwargs):
    item = _ORIGINAL["put_item"](self, item_attrs, *args, **kwargs)
    _written(self, item.hash_key)
    state = _state(self)
    if state is not None:
        _place(state, item)
    return item


def _delete_item(self, hash_key, range_key):
    item = _ORIGINAL["delete_item"](self, hash_key, range_key)
    _written(self, hash_key)
    state = _state(self)
    if state is not None and item is not None:
        _remove(state, (hash_key, range_key))
    return item


def _key_of(table, key):
    hash_key = DynamoType(key[table.hash_key_attr])
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return hash_key, range_key


def _stored(table, key):
    """The item stored at `key` (a request's key), or None."""
    if table.hash_key_attr not in key:
        return None
    try:
        return table.get_item(*_key_of(table, key))
    except (MockValidationException, KeyError, TypeError):
        return None


def _index_keys(table, item):
    """The item's values of every index key attribute (what places it in the indexes)."""
    values = []
    for index in table.global_indexes or []:
        for schema_key in index.schema:
            value = item.attrs.get(schema_key["AttributeName"])
            values.append(None if value is None else (value.type, str(value.value)))
    return tuple(values)


def _update_item(self, table_name, key, *args, **kwargs):
    table = self.get_table(table_name)
    before = _stored(table, key)
    placed = _index_keys(table, before) if before is not None else None
    try:
        return _ORIGINAL["update_item"](self, table_name, key, *args, **kwargs)
    finally:
        # The item is changed in place (possibly before a failure), or created: its size
        # and JSON are stale. A created item changes its partition's list, and an item
        # whose index keys changed moves in the indexes; an item changed in place with
        # the same index keys keeps its place everywhere.
        after = _stored(table, key)
        if after is not None:
            _changed(after)
        if after is not before:
            _written(table, (after or before).hash_key)
        moved = after is not before or (after is not None and _index_keys(table, after) != placed)
        if moved and _state(table) is not None:
            _reindex(table, *_key_of(table, key))


def _restore(table, hash_key, range_key, previous):
    if previous is None:
        table.delete_item(hash_key, range_key)
        return
    if table.range_key_attr:
        table.items.setdefault(hash_key, {})[range_key] = previous
    else:
        table.items[hash_key] = previous
    _written(table, hash_key)
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


_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False, default=_base64)
_quoted = json.encoder.encode_basestring_ascii  # a string as `json.dumps` writes it


def _dumps(value):
    return _ENCODER.encode(value)


def _attribute_json(value):
    """One attribute value as `json.dumps` writes its wire form (`{"S":"..."}`)."""
    kind = value.type
    if kind == "S" or kind == "N":
        return f'{{"{kind}":{_quoted(value.value)}}}'
    if kind == "BOOL" and isinstance(value.value, bool):
        return '{"BOOL":true}' if value.value else '{"BOOL":false}'
    return _dumps(_ORIGINAL["dynamo_to_dict"](value))


class _Kept:
    """An item in a read's answer: its attributes, and their kept JSON."""

    __slots__ = ("attrs", "text")

    def __init__(self, attrs, text):
        self.attrs = attrs
        self.text = text


def _kept_json(attrs):
    """What is kept with an item's attributes (for this generation of the patch): each
    attribute written as JSON (`"name":{"S":"..."}`), the JSON of the item and of its
    projections, and the projected items (`_projected`), both by their attribute names.
    None if `json.dumps` cannot write them."""
    kept = attrs.__dict__.get("_fast_json")
    if kept is not None and kept[0] == _generation:
        return kept
    try:
        fragments = {name: f"{_quoted(name)}:{_attribute_json(value)}" for name, value in attrs.items()}
    except (TypeError, ValueError):
        return None
    kept = (_generation, fragments, {}, {})
    attrs.__dict__["_fast_json"] = kept
    return kept


def _item_json(attrs):
    """The JSON of an item's attributes (of a projection: from the whole item's kept
    pieces), or None if `json.dumps` cannot write them."""
    source = attrs.__dict__.get("_fast_projected_from")
    kept = _kept_json(attrs if source is None else source)
    if kept is None:
        return None
    _, fragments, written, _ = kept
    names = tuple(attrs)
    text = written.get(names)
    if text is None:
        text = "{" + ",".join(fragments[name] for name in names) + "}"
        written[names] = text
    return text


def _dynamo_to_dict(value):
    """moto's conversion of a result to plain values; while a read handler runs, an
    item's attributes become their kept JSON instead."""
    if not getattr(_local, "answering", False):
        return _ORIGINAL["dynamo_to_dict"](value)
    if type(value) is LimitedSizeDict:
        text = _item_json(value)
        return _Kept(value, text) if text is not None else _ORIGINAL["dynamo_to_dict"](value)
    if type(value) is dict:
        return {key: _dynamo_to_dict(inner) for key, inner in value.items()}
    if type(value) is list:
        return [_dynamo_to_dict(inner) for inner in value]
    return _ORIGINAL["dynamo_to_dict"](value)


def _read_handler(name):
    original = _ORIGINAL_HANDLERS[name]

    def handler(self, *args, **kwargs):
        _local.answering = True
        try:
            return original(self, *args, **kwargs)
        finally:
            _local.answering = False

    handler.__name__ = name
    return handler


def _write(value):
    """JSON of a read's answer, with the items' kept JSON joined in as it is."""
    if type(value) is _Kept:
        return value.text
    if type(value) is dict:
        return "{" + ",".join(f"{_dumps(key)}:{_write(inner)}" for key, inner in value.items()) + "}"
    if type(value) is list:
        return "[" + ",".join(_write(inner) for inner in value) + "]"
    return _dumps(value)


def _plain(value):
    """The answer with every kept JSON turned back into moto's plain values."""
    if type(value) is _Kept:
        return _ORIGINAL["dynamo_to_dict"](value.attrs)
    if type(value) is dict:
        return {key: _plain(inner) for key, inner in value.items()}
    if type(value) is list:
        return [_plain(inner) for inner in value]
    return value


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
            body = _write(result)
        except (TypeError, ValueError):
            body = None
        if body is not None:
            status, headers, _ = _ORIGINAL["execute_result"](ActionResult({}), context)
            return status, headers, body
        return _ORIGINAL["execute_result"](ActionResult(_plain(result)), context)
    return _ORIGINAL["execute_result"](self, context)


# Small costs paid per attribute or per byte.


def _cast_value(self):
    """`DynamoType.cast_value` (called for every comparison and sort-key test): strings,
    binaries and booleans are their own value; the rest as moto casts them."""
    kind = self.type
    if kind == "S" or kind == "B" or kind == "BOOL":
        return self.value
    return _ORIGINAL["cast_value"].fget(self)


def _enrich_response(headers, body):
    """moto sets the request id inside an XML body with a regular expression run over
    the whole body, JSON bodies too; a body without `<RequestId>` is left as it is."""
    if isinstance(body, str) and "<RequestId>" not in body:
        headers, _ = _ORIGINAL["_enrich_response"].__func__(headers, "")
        return headers, body
    return _ORIGINAL["_enrich_response"].__func__(headers, body)


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
    (DynamoType, "cast_value"): property(_cast_value),
    (BaseResponse, "_enrich_response"): staticmethod(_enrich_response),
}


_enabled = False


def enable():
    """Applies the patch (nothing changes if it is applied already)."""
    global _generation, _enabled
    if _enabled:
        return
    _enabled = True
    _generation += 1
    for (cls, name), function in _PATCHED.items():
        setattr(cls, name, function)
    for name in _READ_HANDLERS:
        setattr(responses_module.DynamoHandler, name, _read_handler(name))
    responses_module.dynamo_to_dict = _dynamo_to_dict
    table_module.copy = _Copying()


def disable():
    global _enabled
    _enabled = False
    for (cls, name), _ in _PATCHED.items():
        setattr(cls, name, _ORIGINAL[name])
    for name, original in _ORIGINAL_HANDLERS.items():
        setattr(responses_module.DynamoHandler, name, original)
    responses_module.dynamo_to_dict = _ORIGINAL["dynamo_to_dict"]
    table_module.copy = copy
