import { describe, expect, test } from "bun:test";
import { constants } from "node:os";
import { ImagetoolError, LayerEntryError, SyscallError, TarFormatError, UnsafePathError, UsageError } from "../../../../imagetool/lib/errors.ts";
import { errnoOf } from "../../../../common/errors.ts";
import { mknod } from "../../../../imagetool/lib/sys/libc.ts";

describe("the image tool's error hierarchy", () => {
  test("every class is an ImagetoolError with its own stable code", () => {
    const cases: Array<[ImagetoolError, string]> = [
      [new UsageError("x"), "USAGE"],
      [new TarFormatError("x"), "INVALID_TAR"],
      [new UnsafePathError("x"), "UNSAFE_PATH"],
      [new SyscallError("mknod", "/p", constants.errno.EEXIST), "SYSCALL_FAILED"],
    ];
    for (const [err, code] of cases) {
      expect(ImagetoolError.is(err)).toBe(true);
      expect(ImagetoolError.is(err, code as never)).toBe(true);
      expect(err.code).toBe(code as never);
    }
  });

  test("a SyscallError reads like a Node fs error: the call and path in the message, the errno name for errnoOf", () => {
    const err = new SyscallError("lsetxattr(user.x)", "/a/b", constants.errno.EPERM);
    expect(err.message).toBe("lsetxattr(user.x) /a/b: EPERM");
    expect(err.context).toEqual({ syscall: "lsetxattr(user.x)", path: "/a/b", errno: "EPERM" });
    expect(errnoOf(err)).toBe("EPERM");
    expect(errnoOf(Object.assign(new Error("fs"), { code: "ENOENT" }))).toBe("ENOENT");
    expect(errnoOf(new ImagetoolError("LOCKED", "held"))).toBeUndefined();
  });

  test("a failed libc call throws a SyscallError", () => {
    let caught: unknown;
    try {
      mknod("/nonexistent-dir-for-bocker-test/node", 0o010644);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SyscallError);
    expect(errnoOf(caught)).toBe("ENOENT");
  });

  test("a layer entry's error names layer and entry, keeps the cause, its code and its errno", () => {
    const cause = new SyscallError("mknod", "/r/dev/x", constants.errno.EPERM);
    const err = new LayerEntryError("layer sha256:ab", "dev/x", cause);
    expect(err.message).toBe('layer sha256:ab: entry "dev/x": mknod /r/dev/x: EPERM');
    expect(err.cause).toBe(cause);
    expect(err.code).toBe("SYSCALL_FAILED");
    expect(err.context).toEqual({ layer: "layer sha256:ab", entry: "dev/x", errno: "EPERM" });
    expect(new LayerEntryError("layer l", "e", new Error("plain")).code).toBe("LAYER_FAILED");
  });
});
