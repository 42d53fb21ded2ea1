import { expect, test } from "bun:test";
import { nextLink } from "../../../../../imagetool/lib/registry/tags.ts";

test("nextLink takes the rel=next target of a Link header (RFC 8288)", () => {
  expect(nextLink('</v2/app/tags/list?last=b&n=2>; rel="next"')).toBe("/v2/app/tags/list?last=b&n=2");
  expect(nextLink("</v2/app/tags/list?last=b&n=2>; rel=next")).toBe("/v2/app/tags/list?last=b&n=2");
  expect(nextLink('</prev>; rel="prev", </next?a=1,2>; rel="next"')).toBe("/next?a=1,2");
  expect(nextLink('</x>; rel="prefetch next"')).toBe("/x");
  expect(nextLink('</x>; rel="nextpage"')).toBeUndefined();
  expect(nextLink('</x>; rel="prev"')).toBeUndefined();
  expect(nextLink(null)).toBeUndefined();
});
