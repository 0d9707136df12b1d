"""The official OpenAI Python SDK against `wharf serve` (run by tests/e2e/serve.rs).

Env: WHARF_URL (http://127.0.0.1:PORT), WHARF_TOKEN, WHARF_RUNBOOK (path), WHARF_AGENT.
Exits non-zero with a message on the first failed check.
"""

import json
import os
import sys
import urllib.request

from openai import OpenAI

base = os.environ["WHARF_URL"]
token = os.environ["WHARF_TOKEN"]
client = OpenAI(base_url=base + "/v1", api_key=token, max_retries=0, timeout=300)


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


# 1. Passthrough, not streaming: the model's answer through the gateway.
r = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}])
check(r.choices[0].message.content, f"passthrough answer: {r}")
check(r.usage is not None and r.usage.total_tokens > 0, f"passthrough usage: {r.usage}")

# 2. Passthrough, streaming.
chunks = list(
    client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello again"}], stream=True
    )
)
text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
check(len(chunks) > 1 and text, f"streamed passthrough: {len(chunks)} chunks, text {text!r}")

# 3. A runbook run, streamed to completion.
runbook = open(os.environ["WHARF_RUNBOOK"]).read()
stream = client.chat.completions.create(
    model="wharf",
    messages=[
        {"role": "system", "content": runbook},
        {"role": "user", "content": "Write the report."},
    ],
    stream=True,
    extra_body={"wharf": {"runbook": True, "agent": os.environ["WHARF_AGENT"], "labels": {"suite": "sdk"}}},
)
progress, events, final = [], [], None
for chunk in stream:
    extra = chunk.model_extra or {}
    w = extra.get("wharf")
    check(w is not None, f"every chunk carries a wharf field: {chunk}")
    check(w.get("schema") == "wharf.stream.v1", f"schema: {w}")
    events.append(w)
    if chunk.choices and chunk.choices[0].delta.content:
        progress.append(chunk.choices[0].delta.content)
    if chunk.choices and chunk.choices[0].finish_reason == "stop":
        final = w
types = [e.get("type") for e in events]
check("runbook_loaded" in types and "agent_started" in types, f"progress events: {types}; {json.dumps(events[-1])[:3000]}")
check(final is not None and final["type"] == "result", f"final frame: {final}")
check(final["status"] == "succeeded", f"run status: {json.dumps(final)[:2000]}")
check(final["passed"] is True and final["scores"], f"graded: {final.get('passed')} {final.get('scores')}")
check(any("Runbook loaded" in p for p in progress), f"human progress text: {progress[:5]}")
urls = {a["path"]: a["url"] for a in final["artifacts"]}
check("report.md" in urls, f"artifact urls: {final['artifacts']}")

# 4. The artifact by its URL, with the same token.
req = urllib.request.Request(base + urls["report.md"], headers={"Authorization": f"Bearer {token}"})
body = urllib.request.urlopen(req).read().decode()
check("mock-llm wrote this." in body, f"artifact content: {body!r}")

# 5. The run is listed with its label and status.
req = urllib.request.Request(base + f"/api/v1/runs/{final['run_id']}", headers={"Authorization": f"Bearer {token}"})
run = json.load(urllib.request.urlopen(req))
check(run["status"] == "succeeded" and run["labels"] == {"suite": "sdk"}, f"run: {run}")
print(json.dumps({"run_id": final["run_id"], "chunks": len(events)}))
