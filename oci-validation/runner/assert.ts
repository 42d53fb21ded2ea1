/** Assertions that fail with expected/actual for the TAP diagnostic block. */

/** Thrown by the assertions; carries what the TAP diagnostic block prints. */
export class AssertionFailure extends Error {
  constructor(
    message: string,
    readonly expected?: unknown,
    readonly actual?: unknown,
  ) {
    super(message);
  }
}

export function check(condition: unknown, message: string, expected?: unknown, actual?: unknown): asserts condition {
  if (!condition) throw new AssertionFailure(message, expected, actual);
}

export function equal<T>(actual: T, expected: T, message: string): void {
  if (!Bun.deepEquals(actual, expected)) throw new AssertionFailure(message, expected, actual);
}

export function includes<T>(list: readonly T[], item: T, message: string): void {
  if (!list.some((x) => Bun.deepEquals(x, item))) throw new AssertionFailure(message, item, list);
}

export function excludes<T>(list: readonly T[], item: T, message: string): void {
  if (list.some((x) => Bun.deepEquals(x, item))) throw new AssertionFailure(message, `no ${JSON.stringify(item)}`, list);
}
