/**
 * The single call site of the JSON Schema validation of config.json (schemas/ owns the schema
 * and its ahead-of-time compiled validator; nothing is compiled at start-up).
 */
import { formatSchemaIssues, validateRuntimeConfig } from "../../schemas/index.ts";
import { RuntimeError } from "./errors.ts";
import type { Spec as SchemaSpec } from "../../schemas/generated/types/runtime-config.ts";

/** Issues shown in full; the rest are counted. */
export const MAX_SHOWN_ISSUES = 5;

/** The document as the schema types it; config.ts semanticIssues narrows it to a Linux Spec. */
export function checkSchema(doc: unknown, file: string): SchemaSpec {
  const result = validateRuntimeConfig(doc);
  if (!result.ok) throw new RuntimeError("CONFIG_INVALID", summarizeIssues(file, result.errors), { path: file, pointer: result.errors[0]?.pointer });
  return result.value;
}

/**
 * The first few issues, then "and N more": conmon reads the runtime's error through a fixed-size
 * buffer, and podman showed only `readStringSlowPath: unexpected end of input` when a config
 * with many issues produced a message longer than that.
 */
export function summarizeIssues(file: string, issues: readonly { pointer: string; message: string }[]): string {
  const shown = formatSchemaIssues(file, issues.slice(0, MAX_SHOWN_ISSUES));
  const rest = issues.length - MAX_SHOWN_ISSUES;
  return rest > 0 ? `${shown}\n${file}: and ${rest} more issue${rest === 1 ? "" : "s"}` : shown;
}
