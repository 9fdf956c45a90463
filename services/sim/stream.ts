// Streaming a reply as OpenAI chunks, token by token as the timing model produces them.
import type { Composed } from "./compose.ts";
import { chunkBody, usageChunk, type ResponseHead, type Usage } from "./responses.ts";
import { pieceBounds } from "./text.ts";

/** How a stream follows its request in the timing model. */
export type StreamSource = {
  /** Tokens produced so far. */
  produced(): number;
  finished(): boolean;
  /** Resolves at the next moment worth checking; rejects when the request ends without completing. */
  wait(): Promise<void>;
  /** The consumer went away before the end: the request leaves the batch. */
  cancel(): void;
};

/**
 * The chunks of one streamed reply (without the final `[DONE]`, which belongs to the SSE framing): a first
 * chunk with the role, deltas as tokens are produced, a last chunk with finish_reason, then the usage when asked.
 */
export async function* streamChunks(
  head: ResponseHead,
  reply: Composed,
  usage: Usage,
  includeUsage: boolean,
  src: StreamSource,
): AsyncGenerator<Record<string, unknown>, void, undefined> {
  const chat = head.route === "chat";
  const calls = reply.tool_calls;
  // One tool call streams its arguments; several are sent whole in the first chunk.
  const streamed = calls === undefined ? (reply.content ?? "") : calls.length === 1 ? calls[0]!.function.arguments : "";
  const bound = pieceBounds(streamed, reply.tokens);
  let sent = 0;
  try {
    for (;;) {
      const n = src.produced();
      if (n > sent) {
        const piece = streamed.slice(bound(sent), bound(n));
        if (sent === 0 && chat) {
          const first: Record<string, unknown> = { role: "assistant", content: calls === undefined ? piece : null };
          if (calls !== undefined) {
            first.tool_calls = calls.map((c, index) => ({
              index,
              id: c.id,
              type: "function",
              function: { name: c.function.name, arguments: calls.length === 1 ? piece : c.function.arguments },
            }));
          }
          yield chunkBody(head, first, null, includeUsage);
        } else if (!chat) {
          yield chunkBody(head, { text: piece }, null, includeUsage);
        } else if (piece !== "") {
          const delta = calls === undefined ? { content: piece } : { tool_calls: [{ index: 0, function: { arguments: piece } }] };
          yield chunkBody(head, delta, null, includeUsage);
        }
        sent = n;
      }
      if (src.finished()) break;
      await src.wait();
    }
    yield chunkBody(head, chat ? {} : { text: "" }, reply.finish_reason, includeUsage);
    if (includeUsage) yield usageChunk(head, usage);
  } finally {
    if (!src.finished()) src.cancel();
  }
}
