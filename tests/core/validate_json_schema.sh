#!/usr/bin/env bash
# Encodes randomised events of every type (normal and extreme contents; the
# analytics records, which the default mix leaves out, by --type) with
# ringside-contract and validates each line against core/schema/events.schema.json
# with a real validator (Debian's python3-jsonschema).
set -euo pipefail
contract=$1
src=$2
py=/usr/bin/python3   # Debian's python with Debian's modules, whatever comes first on PATH
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$contract" sample --count 20000 --seed 7 >"$tmp/events.ndjson"
"$contract" sample --count 5000 --seed 8 --extremes >>"$tmp/events.ndjson"
for type in OrderPlaced TradeExecuted QuoteUpdate OrderBookSnapshot TradingHalt TradingResume AgentAction MarketStats OrderCancelled \
    TradeAggregate PriceAlert OrderBookMetrics EnrichedTrade OrderFlowImbalance; do
  "$contract" sample --count 300 --seed 9 --extremes --type "$type" >>"$tmp/events.ndjson"
done
"$py" "$src/tests/core/validate_json_schema.py" "$src/core/schema/events.schema.json" "$tmp/events.ndjson"
