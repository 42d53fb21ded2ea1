/** Reference parsing, table-driven like distribution/reference normalize_test.go and reference_test.go. */
import { describe, expect, test } from "bun:test";
import { familiarName, formatReference, isLoopbackHost, parseReference, registryHost, storageName } from "../../../../imagetool/lib/reference.ts";
import { ImagetoolError } from "../../../../imagetool/lib/errors.ts";

const HEX = "a".repeat(64);

describe("parseReference normalizes as Docker does", () => {
  const valid: Array<[string, string]> = [
    ["busybox", "docker.io/library/busybox:latest"],
    ["busybox:1.36", "docker.io/library/busybox:1.36"],
    ["library/busybox", "docker.io/library/busybox:latest"],
    ["docker.io/busybox", "docker.io/library/busybox:latest"],
    ["index.docker.io/busybox", "docker.io/library/busybox:latest"],
    ["user/app", "docker.io/user/app:latest"],
    ["user/app:v1.0_rc-2", "docker.io/user/app:v1.0_rc-2"],
    ["quay.io/coreos/etcd", "quay.io/coreos/etcd:latest"],
    ["localhost/app", "localhost/app:latest"],
    ["localhost:5000/app", "localhost:5000/app:latest"],
    ["localhost:5000/a/b/c:tag", "localhost:5000/a/b/c:tag"],
    ["127.0.0.1:5000/repo:tag", "127.0.0.1:5000/repo:tag"],
    ["[::1]:5000/repo", "[::1]:5000/repo:latest"],
    ["Example.com/repo", "Example.com/repo:latest"],
    ["a.b-c.d/x__y/z-w.v", "a.b-c.d/x__y/z-w.v:latest"],
    ["localhost:5000", "docker.io/library/localhost:5000"],
    [`busybox@sha256:${HEX}`, `docker.io/library/busybox@sha256:${HEX}`],
    [`busybox:1@sha256:${HEX}`, `docker.io/library/busybox:1@sha256:${HEX}`],
    [`host:1/r@sha256:${HEX}`, `host:1/r@sha256:${HEX}`],
  ];
  for (const [input, want] of valid) {
    test(`${input} → ${want}`, () => expect(formatReference(parseReference(input))).toBe(want));
  }

  const invalid: Array<[string, RegExp]> = [
    ["", /empty/],
    ["Busybox", /lowercase/],
    ["docker.io/Library/busybox", /lowercase/],
    ["busybox:", /tag/],
    ["busybox:-x", /tag/],
    [`busybox:${"a".repeat(129)}`, /tag/],
    ["busybox@sha256:abc", /64 lowercase hex/],
    ["busybox@md5:abcd", /unsupported digest algorithm/],
    [HEX, /64-byte hexadecimal/],
    ["a//b", /path component ''/],
    ["a/b_-c", /path component/],
    ["-host.com/a", /registry host|path component/],
    [":tag", /missing repository/],
    [`${"a/".repeat(130)}a`, /longer than 255/],
  ];
  for (const [input, why] of invalid) {
    test(`rejects ${JSON.stringify(input.slice(0, 40))}`, () => {
      let err: unknown;
      try {
        parseReference(input);
      } catch (e) {
        err = e;
      }
      expect(ImagetoolError.is(err, "INVALID_REFERENCE")).toBe(true);
      expect((err as Error).message).toMatch(why);
    });
  }
});

describe("derived forms", () => {
  test("familiar names strip docker.io/library", () => {
    expect(familiarName(parseReference("busybox"))).toBe("busybox:latest");
    expect(familiarName(parseReference("user/app:1"))).toBe("user/app:1");
    expect(familiarName(parseReference("localhost:5000/a:1"))).toBe("localhost:5000/a:1");
  });
  test("storage name keeps the tag, or the digest when there is no tag", () => {
    expect(storageName(parseReference("busybox"))).toBe("docker.io/library/busybox:latest");
    expect(storageName(parseReference(`busybox@sha256:${HEX}`))).toBe(`docker.io/library/busybox@sha256:${HEX}`);
    expect(storageName(parseReference(`busybox:1@sha256:${HEX}`))).toBe("docker.io/library/busybox:1");
  });
  test("docker.io is served by registry-1.docker.io", () => {
    expect(registryHost(parseReference("busybox"))).toBe("registry-1.docker.io");
    expect(registryHost(parseReference("quay.io/a/b"))).toBe("quay.io");
  });
  test("loopback hosts get plain HTTP", () => {
    for (const h of ["localhost", "localhost:5000", "127.0.0.1:5000", "127.1.2.3", "[::1]:5000"]) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ["quay.io", "10.0.0.1:5000", "localhost.example.com"]) expect(isLoopbackHost(h)).toBe(false);
  });
});
