import { describe, expect, it } from "vitest";
import {
  campaignIdProblem,
  contentIdProblem,
  isCampaignId,
} from "../../../functions/lib/contract/identifiers.ts";

describe("campaign ids", () => {
  it("are letters, digits, _ and -, 1 to 64 of them", () => {
    for (const id of ["spring-sale", "cmp_0014", "-promo", "_x", "A".repeat(64)]) {
      expect(isCampaignId(id), id).toBe(true);
      expect(campaignIdProblem(id)).toBeUndefined();
    }
    expect(campaignIdProblem("")).toMatch(/required/);
    expect(campaignIdProblem("a".repeat(65))).toMatch(/at most 64 characters, this one 65/);
    for (const id of ["../../x", "a b", "a/b", "spring'; --", "数据", "a.b"]) {
      expect(campaignIdProblem(id), id).toMatch(/may hold only letters, digits, _ and -/);
    }
  });
});

describe("content ids", () => {
  it("are printable, at most 256 characters, may be URLs", () => {
    for (const id of ["c1", "https://example.com/a?b=1&c=d#e", "文章-7", "x".repeat(256)]) {
      expect(contentIdProblem(id), id).toBeUndefined();
    }
    expect(contentIdProblem("x".repeat(257))).toMatch(/at most 256/);
    for (const id of ["a\tb", "a\u0000", "bidi\u202E", "zero\u200Bwidth", "line\u2028"]) {
      expect(contentIdProblem(id), JSON.stringify(id)).toMatch(/printable/);
    }
    expect(contentIdProblem(" padded ")).toMatch(/white space/);
    expect(contentIdProblem("")).toMatch(/required/);
  });
});
