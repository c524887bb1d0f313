#!/usr/bin/python3
"""Validates NDJSON events against ringside's JSON Schema with python3-jsonschema.

usage: validate_json_schema.py SCHEMA EVENTS.ndjson [--any-types]

Checks that every line validates and (unless --any-types) that all nine event
types occur, then that
the schema is strict: mutated events (a field missing, one added, a wrong enum,
a wrong type, a malformed UUID or timestamp) must be rejected.
"""
import copy
import json
import sys

import jsonschema


def main() -> int:
    schema_path, events_path = sys.argv[1], sys.argv[2]
    with open(schema_path) as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)

    passed = failed = 0  # events that validate; then also mutations the schema refuses
    seen = {}
    with open(events_path) as f:
        for line_number, line in enumerate(f, 1):
            event = json.loads(line)  # a real parser: malformed JSON fails here
            errors = sorted(validator.iter_errors(event), key=lambda e: list(e.path))
            if errors:
                failed += 1
                if failed <= 10:
                    print(f"{events_path}:{line_number}: {errors[0].message} at {list(errors[0].path)}\n  {line.strip()[:300]}")
            else:
                passed += 1
                seen.setdefault(event["event_type"], event)
    missing = set(schema["properties"]["event_type"]["enum"]) - set(seen)
    if missing and "--any-types" not in sys.argv[3:]:
        print(f"event types never produced: {sorted(missing)}")
        failed += 1

    # Strictness: every mutation of a valid event must be refused.
    def mutations(event):
        data = event["data"]
        first = next(iter(data))
        m = copy.deepcopy(event); del m["data"][first]; yield f"missing data.{first}", m
        m = copy.deepcopy(event); m["data"]["extra"] = 1; yield "extra data field", m
        m = copy.deepcopy(event); m["extra"] = 1; yield "extra envelope field", m
        m = copy.deepcopy(event); del m["timestamp"]; yield "missing timestamp", m
        m = copy.deepcopy(event); m["timestamp"] = m["timestamp"].replace("Z", "+00:00"); yield "non-Z timestamp", m
        m = copy.deepcopy(event); m["data"]["symbol"] = 7; yield "numeric symbol", m
        for key in ("side", "aggressor_side", "agent_type", "reason", "action"):
            if key in data:
                m = copy.deepcopy(event); m["data"][key] = data[key] + "x"; yield f"bad enum {key}", m
        for key in ("order_id", "trade_id"):
            if key in data:
                m = copy.deepcopy(event); m["data"][key] = data[key].upper(); yield f"uppercase {key}", m
        for key in ("price", "quantity", "bid_size"):
            if key in data:
                m = copy.deepcopy(event); m["data"][key] = str(data[key]); yield f"string {key}", m

    events_valid, events_invalid = passed, failed
    refused = accepted = 0
    for event_type, event in sorted(seen.items()):
        for what, mutated in mutations(event):
            if validator.is_valid(mutated):
                print(f"schema accepted a {event_type} with {what}")
                accepted += 1
            else:
                refused += 1
    passed += refused
    failed += accepted

    print(f"validated {events_path} against {schema_path}")
    print(f"{passed} passed, {failed} failed: {events_valid} events valid, {events_invalid} invalid; "
          f"{refused} broken copies refused, {accepted} accepted")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
