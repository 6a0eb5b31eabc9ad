/**
 * The sample lake's identity shape (docs/identity.md): 30 % of people use two or three ids
 * across channels — besides the member id (`usr_…`, the app and the order system), a web
 * cookie id (`web_…`: web, search, ads) and, for some, a WeCom external id (`wx_…`: wecom,
 * community, miniprogram) — and an `identities` table maps them to the person, each mapping
 * valid from the id's first record. About one alias in eight is left unmapped (its records
 * count as a person of their own, as in real lakes whose map lags).
 *
 * Who has which ids is a hash of the person's id, not a draw from the simulation's random
 * stream, so the simulation itself (and so every other shape) is unchanged, and the same
 * options write the same bytes.
 */
import type { LakeRow } from "./writer.ts";

/** Share of people with more than one id (percent). */
export const MULTI_ID_PERCENT = 30;
/** Of those, the share with a third, WeCom id (percent). */
const THREE_IDS_PERCENT = 40;
/** Share of aliases the map leaves out (percent). */
const UNMAPPED_ALIAS_PERCENT = 12;

const WEB_CHANNELS = new Set(["web", "search", "ads"]);
const PRIVATE_CHANNELS = new Set(["wecom", "community", "miniprogram"]);

/** FNV-1a of a string: a stable, well-spread hash of an id. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

interface Alias {
  readonly person: string;
  readonly source: "web" | "wecom";
  firstSeen: number;
}

/** Hands out the id a person's record carries on a channel, and the map of those ids. */
export class SampleIdentities {
  readonly #aliases = new Map<string, Alias>();
  readonly #people = new Set<string>();
  readonly #lakeStartMs: number;

  constructor(lakeStartMs: number) {
    this.#lakeStartMs = lakeStartMs;
  }

  /** The id a record of `person` on `channel` at `time` carries (the person's own id, or an alias). */
  sourceId(person: string, channel: string, time: number): string {
    const hash = fnv1a(person);
    if (hash % 100 >= MULTI_ID_PERCENT) return person;
    const threeIds = (hash >>> 8) % 100 < THREE_IDS_PERCENT;
    const source = WEB_CHANNELS.has(channel)
      ? "web"
      : threeIds && PRIVATE_CHANNELS.has(channel)
        ? "wecom"
        : undefined;
    if (!source) return person;
    const alias = `${source === "web" ? "web" : "wx"}_${person.replace(/^usr_/, "")}`;
    const known = this.#aliases.get(alias);
    if (!known) this.#aliases.set(alias, { person, source, firstSeen: time });
    else if (time < known.firstSeen) known.firstSeen = time;
    this.#people.add(person);
    return alias;
  }

  /**
   * The `identities` rows: each mapped alias from its first record on, and each person with
   * an alias under their own member id (source `orders`) from the lake's start. Sorted, so
   * the same lake writes the same bytes.
   */
  rows(): LakeRow[] {
    const rows: LakeRow[] = [];
    for (const person of [...this.#people].sort()) {
      rows.push({
        source: "orders",
        source_user_id: person,
        user_id: person,
        valid_from: this.#lakeStartMs,
        valid_to: null,
      });
    }
    for (const [alias, { person, source, firstSeen }] of [...this.#aliases].sort(([a], [b]) =>
      a < b ? -1 : 1,
    )) {
      if (fnv1a(alias) % 100 < UNMAPPED_ALIAS_PERCENT) continue;
      rows.push({
        source,
        source_user_id: alias,
        user_id: person,
        valid_from: firstSeen,
        valid_to: null,
      });
    }
    return rows;
  }
}
