// Validation of chat and text completion bodies into one normalised request (valibot; 400/404 on failure).
import * as v from "valibot";
import { ChatMessage, ToolSpec, approxTokens } from "../llm/openai.ts";
import { apiError, type ApiError } from "./errors.ts";
import type { SimOptions } from "./options.ts";
import { hashString, mixSeeds } from "./rng.ts";
import { messageText } from "./script.ts";

/** The two generation routes: `/v1/chat/completions` and `/v1/completions`. */
export type SimRoute = "chat" | "completions";

const tokenCount = v.pipe(v.number(), v.integer(), v.minValue(1));

const Common = {
  model: v.string(),
  seed: v.optional(v.nullable(v.pipe(v.number(), v.integer()))),
  stream: v.optional(v.nullable(v.boolean())),
  stream_options: v.optional(v.nullable(v.looseObject({ include_usage: v.optional(v.nullable(v.boolean())) }))),
  max_tokens: v.optional(v.nullable(tokenCount)),
  temperature: v.optional(v.nullable(v.pipe(v.number(), v.minValue(0)))),
  top_p: v.optional(v.nullable(v.pipe(v.number(), v.minValue(0), v.maxValue(1)))),
  n: v.optional(v.nullable(v.literal(1, "only n = 1 is supported"))),
};

const ChatBody = v.looseObject({
  ...Common,
  messages: v.pipe(v.array(ChatMessage), v.minLength(1, "at least one message is required")),
  tools: v.optional(v.nullable(v.array(ToolSpec))),
  tool_choice: v.optional(v.unknown()),
  response_format: v.optional(v.unknown()),
  max_completion_tokens: v.optional(v.nullable(tokenCount)),
});

const CompletionBody = v.looseObject({
  ...Common,
  prompt: v.union([v.string(), v.pipe(v.array(v.string()), v.length(1, "only one prompt per request is supported"))]),
});

type ChatBody = v.InferOutput<typeof ChatBody>;
type CompletionBody = v.InferOutput<typeof CompletionBody>;

const parseChat = v.safeParser(ChatBody);
const parseCompletion = v.safeParser(CompletionBody);

/** What the engine needs of a valid request. */
export type SimRequest = {
  route: SimRoute;
  model: string;
  /** The chat (a text prompt becomes one user message). */
  messages: ChatMessage[];
  tools: ToolSpec[] | undefined;
  toolChoice: unknown;
  responseFormat: unknown;
  stream: boolean;
  includeUsage: boolean;
  promptTokens: number;
  /** The most tokens this request may produce (max_tokens and what max_model_len leaves). */
  cap: number;
  /** The prompt as the prefix cache sees it: tool specs first (chat templates put them in the system turn), then each turn. */
  cacheText: string;
  /** Seed of everything sampled for this request: engine seed, request seed, content hash. */
  seed: number;
};

/** `/v1/completions` without max_tokens produces at most this many tokens, as in OpenAI's and vLLM's API. */
export const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

/**
 * Validates a body (undefined when it was not JSON) against the route's schema and the served model.
 * @example const r = parseSimRequest("chat", body, opts); if ("error" in r) return r.error;
 */
export function parseSimRequest(route: SimRoute, body: unknown, opts: SimOptions): SimRequest | { error: ApiError } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { error: apiError(400, "invalid_body", "request body must be a JSON object") };
  }
  const parsed = route === "chat" ? parseChat(body) : parseCompletion(body);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = v.getDotPath(issue);
    const message = path === null ? issue.message : `${path}: ${issue.message}`;
    return { error: apiError(400, "invalid_body", message, path === null ? {} : { param: path }) };
  }
  const b = parsed.output;
  if (b.model !== opts.model) {
    return { error: apiError(404, "model_not_found", `The model \`${b.model}\` does not exist.`, { param: "model" }) };
  }
  const shape = route === "chat" ? chatShape(b as ChatBody) : completionShape(b as CompletionBody);
  const { messages, tools, promptText, cacheText, hash, maxTokens } = shape;

  const promptTokens = approxTokens(promptText);
  if (promptTokens >= opts.max_model_len) {
    return {
      error: apiError(
        400,
        "context_length_exceeded",
        `This model's maximum context length is ${opts.max_model_len} tokens. However, your request has ${promptTokens} input tokens.`,
        { param: route === "chat" ? "messages" : "prompt" },
      ),
    };
  }
  const cap = Math.min(opts.max_model_len - promptTokens, maxTokens ?? Infinity);
  return {
    route,
    model: b.model,
    messages,
    tools,
    toolChoice: b.tool_choice,
    responseFormat: b.response_format,
    stream: b.stream === true,
    includeUsage: b.stream_options?.include_usage === true,
    promptTokens,
    cacheText,
    cap,
    seed: mixSeeds(opts.seed, b.seed ?? 0, b.seed === undefined || b.seed === null ? 0 : 1, hash),
  };
}

type Shape = {
  messages: ChatMessage[];
  tools: ToolSpec[] | undefined;
  promptText: string;
  cacheText: string;
  hash: number;
  maxTokens: number | undefined;
};

/** Prompt text (messages, tool calls, tool specs) and its hash, which seeds requests that carry no seed. */
function chatShape(b: ChatBody): Shape {
  const parts: string[] = [];
  let hash = 0x811c9dc5;
  for (const m of b.messages) {
    const calls = m.tool_calls?.map((c) => c.function.name + c.function.arguments).join("") ?? "";
    const text = messageText(m) + calls;
    parts.push(text);
    hash = hashString(text, hashString(m.role, hash));
  }
  let promptText = parts.join("\n");
  let cacheText = b.messages.map((m, i) => `<${m.role}>${parts[i]}`).join("\n");
  const tools = b.tools ?? undefined;
  if (tools !== undefined && tools.length > 0) {
    const json = JSON.stringify(tools);
    promptText += json;
    cacheText = json + cacheText;
    hash = hashString(json, hash);
  }
  const maxTokens = minDefined(b.max_tokens ?? undefined, b.max_completion_tokens ?? undefined);
  return { messages: b.messages, tools, promptText, cacheText, hash, maxTokens };
}

function completionShape(b: CompletionBody): Shape {
  const prompt = typeof b.prompt === "string" ? b.prompt : b.prompt[0]!;
  return {
    messages: [{ role: "user", content: prompt }],
    tools: undefined,
    promptText: prompt,
    cacheText: prompt,
    hash: hashString(prompt),
    maxTokens: b.max_tokens ?? COMPLETIONS_DEFAULT_MAX_TOKENS,
  };
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
