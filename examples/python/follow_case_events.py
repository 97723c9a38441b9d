#!/usr/bin/env python3
"""Follow one case's events live, over `/graphql/ws`.

Subscribes to `caseEvents(caseId:)` with the graphql-transport-ws protocol, as a professional
on the case team (in the demo, for example, `maatwerk token --org woonstad-wonen --person lars`
on Samira Bakker's case). The token goes in the `connection_init` payload, as
`{"Authorization": "Bearer ..."}`; the connection ends when the token expires.

Each event says what happened (`kind`, as on the case's timeline), the case's header after it,
and the item it is about as the subscriber may see it at that moment. An `EVENTS_MISSED` event
means events may have been lost on the way: read the case again with a query.

Prints every event and stops after `--events` events, or fails after `--timeout` seconds.

    GRAPHQL_URL=http://127.0.0.1:8080/graphql GRAPHQL_TOKEN=... \\
        python follow_case_events.py --case-id Q2FzZTo... --events 2 --timeout 60
"""

import argparse
import asyncio
import os
import sys

from gql import Client, gql
from gql.transport.exceptions import TransportError, TransportQueryError
from gql.transport.websockets import WebsocketsTransport

CASE_EVENTS = gql(
    """
    subscription CaseEvents($caseId: ID!) {
      caseEvents(caseId: $caseId) {
        kind
        at
        case { reference step }
        item {
          __typename
          ... on Node { id }
          ... on Agreement { what status version }
          ... on Fact { lifeDomain text }
          ... on Problem { lifeDomain text }
        }
      }
    }
    """
)


def describe(event: dict) -> str:
    item = event["item"]
    line = f"event kind={event['kind']} at={event['at']} case={event['case']['reference']}"
    if item is None:
        return line
    line += f" item={item['__typename']}:{item.get('id', '-')}"
    if item["__typename"] == "Agreement":
        line += f" status={item['status']} version={item['version']} what={item['what'] or '-'}"
    elif item["__typename"] in ("Fact", "Problem"):
        # `text` is null for a process facilitator, who sees the process only.
        line += f" lifeDomain={item['lifeDomain']} text={item['text'] or '-'}"
    return line


async def follow(url: str, token: str, case_id: str, events: int) -> int:
    transport = WebsocketsTransport(
        url=url,
        init_payload={"Authorization": f"Bearer {token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    received = 0
    # Entering the client opens the socket and waits for the server's `connection_ack`.
    async with Client(transport=transport) as session:
        print("connected", flush=True)
        async for result in session.subscribe(CASE_EVENTS, variable_values={"caseId": case_id}):
            event = result["caseEvents"]
            print(describe(event), flush=True)
            if event["kind"] == "EVENTS_MISSED":
                print("events may have been missed: read the case again", flush=True)
            received += 1
            if events and received >= events:
                break
    return received


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case-id", required=True, help="the case's ID (`Case.id`)")
    parser.add_argument("--events", type=int, default=0, help="stop after this many events (0: never)")
    parser.add_argument("--timeout", type=float, default=None, help="give up after this many seconds")
    args = parser.parse_args()

    http_url = os.environ.get("GRAPHQL_URL", "http://127.0.0.1:8080/graphql")
    # The same path with `/ws`: http becomes ws, https becomes wss.
    url = "ws" + http_url.removeprefix("http") + "/ws"
    token = os.environ["GRAPHQL_TOKEN"]

    try:
        received = asyncio.run(
            asyncio.wait_for(follow(url, token, args.case_id, args.events), args.timeout)
        )
    except asyncio.TimeoutError:
        print(f"timed out after {args.timeout:g} s", file=sys.stderr)
        return 1
    except TransportQueryError as error:
        # NOT_FOUND: the case does not exist, or the subscriber is not on its team.
        first = (error.errors or [{}])[0]
        code = first.get("extensions", {}).get("code", "")
        print(f"caseEvents failed: {code}: {first.get('message', error)}", file=sys.stderr)
        return 1
    except (TransportError, OSError) as error:
        # A refused `connection_init` (an invalid or expired token) closes the socket.
        print(f"connection failed: {error!r}", file=sys.stderr)
        return 1
    print(f"received {received} events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
