// The consultation's live events (GET /v1/consultations/{id}/events, Server-Sent Events).
// Read with fetch rather than EventSource, which cannot send the Authorization header
// (tokens never travel in URLs): a consultation that admits accounts only streams to them.
// A dropped connection is reopened with Last-Event-ID, so no event is missed.
import { apiFetch } from "./api/client";

export interface LiveEvent {
  type: string;
  id: string;
  data: Record<string, unknown>;
}

/** Posts in the stream come in `language` (the reader's), translated when they can be;
 * `translation.ready` brings a post again once its translation exists. */
export function subscribe(consultationId: string, language: string,
  onEvent: (event: LiveEvent) => void): () => void {
  const stop = new AbortController();
  let lastId: string | null = null;
  let delay = 1000;

  async function readOnce(): Promise<void> {
    const headers: Record<string, string> = { Accept: "text/event-stream" };
    if (lastId) headers["Last-Event-ID"] = lastId;
    const url = `/v1/consultations/${consultationId}/events?lang=${encodeURIComponent(language)}`;
    const reply = await apiFetch(new Request(url,
      { headers, signal: stop.signal }));
    if (!reply.ok || !reply.body) throw new Error(`live: HTTP ${reply.status}`);
    delay = 1000;
    const reader = reply.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, "\n");
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parseFrame(frame);
        if (event) {
          lastId = event.id || lastId;
          onEvent(event);
        }
      }
    }
  }

  (async () => {
    while (!stop.signal.aborted) {
      try {
        await readOnce();
      } catch {
        // reconnect below
      }
      if (stop.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  })();
  return () => stop.abort();
}

export function parseFrame(frame: string): LiveEvent | null {
  let type = "message";
  let id = "";
  const data: string[] = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith(":")) continue; // comment: connected, keep-alive
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") type = value;
    else if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0) return null;
  try {
    return { type, id, data: JSON.parse(data.join("\n")) as Record<string, unknown> };
  } catch {
    return null;
  }
}
