/** The base error of the three tools and the errno helpers every tool reads errors with. */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { CodedError, errnoName, errnoOf } from "../../../common/errors.ts";

describe("CodedError", () => {
  test("keeps a stable code, structured context and the cause", () => {
    const cause = new Error("disk on fire");
    const err = new CodedError("IO", "write /x: ENOSPC", { path: "/x", errno: "ENOSPC" }, cause);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe("IO");
    expect(err.message).toBe("write /x: ENOSPC");
    expect(err.context).toEqual({ path: "/x", errno: "ENOSPC" });
    expect(err.cause).toBe(cause);
    expect("cause" in new CodedError("X", "m", {})).toBe(false);
  });
});

describe("errnoOf", () => {
  test("a node:fs error's code", () => {
    let err: unknown;
    try {
      readFileSync("/nonexistent/bocker-common-test");
    } catch (e) {
      err = e;
    }
    expect(errnoOf(err)).toBe("ENOENT");
  });

  test("the errno in a CodedError's context, never its own code", () => {
    expect(errnoOf(new CodedError("SYSCALL_FAILED", "mknod /x: EPERM", { errno: "EPERM" }))).toBe("EPERM");
    expect(errnoOf(new CodedError("EXISTS", "held", {}))).toBeUndefined();
    // A context whose errno holds words, not a name, has none.
    expect(errnoOf(new CodedError("IO", "m", { errno: "the kernel said no" }))).toBeUndefined();
  });

  test("codes that are not errno names, and non-errors, have none", () => {
    expect(errnoOf(Object.assign(new Error("x"), { code: "ERR_INVALID_ARG_TYPE" }))).toBeUndefined();
    expect(errnoOf(Object.assign(new Error("x"), { code: "ConnectionRefused" }))).toBeUndefined();
    expect(errnoOf("ENOENT")).toBeUndefined();
    expect(errnoOf(null)).toBeUndefined();
  });
});

describe("errnoName", () => {
  test("names from the table, 95 as EOPNOTSUPP (Linux's ENOTSUP shares the number)", () => {
    expect(errnoName(2)).toBe("ENOENT");
    expect(errnoName(95)).toBe("EOPNOTSUPP");
    expect(errnoName(125)).toBe("ECANCELED");
  });

  test("a number the table lacks is named by node:os; an unknown one by its number", () => {
    expect(errnoName(98)).toBe("EADDRINUSE");
    expect(errnoName(9999)).toBe("errno 9999");
  });
});
