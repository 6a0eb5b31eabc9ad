/**
 * Which persons a change of the identity map touches (functions/lib/rollups/identity-map.ts,
 * `personsTouched`): the source id and the person of every row in one map and not the
 * other, so the per-user state makes again exactly the persons whose records can move.
 */
import { describe, expect, it } from "vitest";
import { personsTouched } from "../../../functions/lib/rollups/identity-map.ts";

const row = (source: string, person: string, from = "2026-01-01", to = "") =>
  [source, person, from, to].join("\t");

describe("personsTouched", () => {
  const map = [row("web_1", "app_1"), row("web_2", "app_2"), row("wx_3", "p3")];

  it("is no one when the rows are the same, in any order", () => {
    expect(personsTouched(map, [...map].reverse())).toEqual([]);
  });

  it("names both sides of a new merge, and no one else", () => {
    expect(personsTouched(map, [...map, row("web_4", "app_4")])).toEqual(["app_4", "web_4"]);
  });

  it("names the id and its person when a mapping ends (a valid_to split) or goes", () => {
    const split = [row("web_1", "app_1", "2026-01-01", "2026-03-01"), ...map.slice(1)];
    expect(personsTouched(map, split)).toEqual(["app_1", "web_1"]);
    expect(personsTouched(map, map.slice(1))).toEqual(["app_1", "web_1"]);
  });

  it("names the old and the new person when an id moves to someone else", () => {
    const moved = [row("web_1", "app_9"), ...map.slice(1)];
    expect(personsTouched(map, moved)).toEqual(["app_1", "app_9", "web_1"]);
  });

  it("names every id of a map that arrives or is removed whole", () => {
    expect(personsTouched([], map)).toEqual(["app_1", "app_2", "p3", "web_1", "web_2", "wx_3"]);
    expect(personsTouched(map, [])).toEqual(["app_1", "app_2", "p3", "web_1", "web_2", "wx_3"]);
  });
});
