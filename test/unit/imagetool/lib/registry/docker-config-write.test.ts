import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loginKey, removeAllLogins, removeLogin, storeLogin } from "../../../../../imagetool/lib/registry/docker-config-write.ts";
import { credentialsFromDockerConfig } from "../../../../../imagetool/lib/registry/docker-config.ts";

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bocker-login-unit-"));
  path = join(dir, "config.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("loginKey: a scheme and trailing slashes go, Docker Hub's names are docker.io, a path is refused", () => {
  expect(loginKey("https://reg.test:5000/")).toBe("reg.test:5000");
  expect(loginKey("index.docker.io")).toBe("docker.io");
  expect(() => loginKey("reg.test/ns")).toThrow("give its host[:port] alone");
});

test("a stored login replaces the registry's under any spelling, keeps the rest, and is what a pull reads", () => {
  writeFileSync(path, JSON.stringify({ auths: { "https://index.docker.io/v1/": { auth: "b2xkOm9sZA==" }, "other.test": { auth: "eDp5" } }, proxies: { default: {} } }));
  storeLogin(path, "docker.io", { username: "me", password: "p:w" });
  const config = JSON.parse(readFileSync(path, "utf8"));
  expect(config).toEqual({ auths: { "other.test": { auth: "eDp5" }, "docker.io": { auth: Buffer.from("me:p:w").toString("base64") } }, proxies: { default: {} } });
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(credentialsFromDockerConfig("docker.io", path, {})).toEqual({ username: "me", password: "p:w" });
  expect(removeLogin(path, "index.docker.io")).toBe(true);
  expect(removeLogin(path, "docker.io")).toBe(false);
  removeAllLogins(path);
  expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ auths: {}, proxies: { default: {} } });
});

test("a file whose auths is not an object is refused and left alone", () => {
  writeFileSync(path, JSON.stringify({ auths: [] }));
  expect(() => storeLogin(path, "reg.test", { username: "a", password: "b" })).toThrow(`${path}: "auths" is not an object; not overwritten`);
  expect(readFileSync(path, "utf8")).toBe('{"auths":[]}');
});
