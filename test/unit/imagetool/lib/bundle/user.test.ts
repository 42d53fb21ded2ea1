import { describe, expect, test } from "bun:test";
import { parseGroup, parsePasswd, resolveUser } from "../../../../../imagetool/lib/bundle/user.ts";

const passwd = parsePasswd([
  "root:x:0:0:root:/root:/bin/sh",
  "# a comment",
  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
  "app:x:1000:1000:App:/home/app:/bin/sh",
  "broken line",
].join("\n"));
const groups = parseGroup(["root:x:0:", "wheel:x:10:app,root", "docker:x:999:app", "app:x:1000:", "audio:x:29:daemon"].join("\n"));

describe("User resolution (image-spec config.md User, through /etc/passwd and /etc/group)", () => {
  const table: Array<[string, { uid: number; gid: number; additionalGids: number[] }]> = [
    ["", { uid: 0, gid: 0, additionalGids: [10] }],
    ["root", { uid: 0, gid: 0, additionalGids: [10] }],
    ["app", { uid: 1000, gid: 1000, additionalGids: [10, 999] }],
    ["1000", { uid: 1000, gid: 1000, additionalGids: [10, 999] }],
    ["app:docker", { uid: 1000, gid: 999, additionalGids: [] }],
    ["app:29", { uid: 1000, gid: 29, additionalGids: [] }],
    ["1000:wheel", { uid: 1000, gid: 10, additionalGids: [] }],
    ["4242", { uid: 4242, gid: 0, additionalGids: [] }], // a uid with no passwd entry is allowed
    ["4242:4243", { uid: 4242, gid: 4243, additionalGids: [] }],
    ["daemon", { uid: 1, gid: 1, additionalGids: [29] }],
  ];
  for (const [spec, want] of table) test(JSON.stringify(spec), () => expect(resolveUser(spec, passwd, groups)).toMatchObject(want));

  test("home and name come from the passwd entry", () => expect(resolveUser("app", passwd, groups)).toMatchObject({ home: "/home/app", username: "app" }));
  test("an unknown user name is an error", () => expect(() => resolveUser("nobody", passwd, groups)).toThrow(/"nobody" not found in the image's \/etc\/passwd/));
  test("an unknown group name is an error", () => expect(() => resolveUser("app:nogroup", passwd, groups)).toThrow(/group "nogroup" not found/));
  test("malformed specs are errors", () => {
    expect(() => resolveUser("a:b:c", passwd, groups)).toThrow(/invalid User/);
    expect(() => resolveUser(":1", passwd, groups)).toThrow(/invalid User/);
  });
});
