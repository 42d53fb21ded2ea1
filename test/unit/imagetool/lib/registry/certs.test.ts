import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { certsDirs, tlsMaterial } from "../../../../../imagetool/lib/registry/certs.ts";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "bocker-certs-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const put = (root: string, host: string, files: Record<string, string>) => {
  mkdirSync(join(dir, root, host), { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, root, host, f), text);
};

test("the first certs.d root holding the host wins; *.crt are CAs, NAME.cert + NAME.key client certificates", () => {
  put("a", "reg.test:5000", { "ca.crt": "CA1", "b.crt": "CA2", "client.cert": "CERT", "client.key": "KEY", "README": "x" });
  put("b", "reg.test:5000", { "other.crt": "CA3" });
  put("b", "only-b.test", { "ca.crt": "CA4" });
  const roots = [join(dir, "a"), join(dir, "b")];
  expect(tlsMaterial("reg.test:5000", roots)).toEqual({ dir: join(dir, "a", "reg.test:5000"), ca: ["CA2", "CA1"], cert: ["CERT"], key: ["KEY"] });
  expect(tlsMaterial("only-b.test", roots)?.ca).toEqual(["CA4"]);
  expect(tlsMaterial("none.test", roots)).toBeUndefined();
});

test("a client certificate without its key, or a key without its certificate, is an error naming the file", () => {
  put("a", "h1", { "client.cert": "CERT" });
  put("a", "h2", { "client.key": "KEY" });
  expect(() => tlsMaterial("h1", [join(dir, "a")])).toThrow(`${join(dir, "a", "h1", "client.cert")}: client certificate without its key client.key`);
  expect(() => tlsMaterial("h2", [join(dir, "a")])).toThrow(`${join(dir, "a", "h2", "client.key")}: key without its client certificate client.cert`);
});

test("the roots: containers' then docker's, or $BOCKER_CERTS_D", () => {
  expect(certsDirs({})).toEqual(["/etc/containers/certs.d", "/etc/docker/certs.d"]);
  expect(certsDirs({ BOCKER_CERTS_D: "/x:/y" })).toEqual(["/x", "/y"]);
  expect(certsDirs({ BOCKER_CERTS_D: "" })).toEqual([]);
});
