/**
 * Crafted documents for the schema tests: a valid base document plus one change per case, set or
 * removed at a JSON pointer. A bad case names the pointer our issue must carry (by default the
 * changed location, or its parent for a removed required property).
 */
export interface Mutation {
  name: string;
  /** Set this pointer to `value` (parents are created as objects)... */
  set?: string;
  value?: unknown;
  /** ...or delete this property. */
  remove?: string;
  valid: boolean;
  /** Where our first issue must point, for bad cases. */
  pointer?: string;
}

function segments(pointer: string): string[] {
  return pointer.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** A deep copy of `base` with the mutation applied. */
export function applyMutation(base: unknown, mutation: Mutation): unknown {
  const doc = structuredClone(base) as Record<string, unknown>;
  const path = mutation.set ?? mutation.remove;
  if (path === undefined) return doc;
  const parts = segments(path);
  const last = parts.pop()!;
  let node: Record<string, unknown> = doc;
  for (const part of parts) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  if (mutation.set !== undefined) node[last] = structuredClone(mutation.value);
  else delete node[last];
  return doc;
}

/** The pointer a bad case's issue must name. */
export function expectedPointer(mutation: Mutation): string {
  if (mutation.pointer !== undefined) return mutation.pointer;
  if (mutation.set !== undefined) return mutation.set;
  return mutation.remove!.slice(0, mutation.remove!.lastIndexOf("/"));
}
