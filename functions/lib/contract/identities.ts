/**
 * The whole-file rule of the `identities` table (shared/kpi-spec.md, "Identity"): one source
 * id maps to at most one person at any instant. Two rows of one `source_user_id` whose
 * `[valid_from, valid_to)` ranges overlap are invalid — to the same person or to two people —
 * because a record of that id at an instant in both would belong to both.
 */

/** One mapping row with the line it was read from. */
export interface IdentityLine {
  readonly line: number;
  readonly sourceUserId: string;
  readonly userId: string;
  readonly validFrom: Date;
  /** Exclusive; null: still holds. */
  readonly validTo: Date | null;
}

/** A pair of overlapping rows: the later-starting row's line and why, naming the other row. */
export interface IdentityOverlap {
  readonly line: number;
  readonly column: "valid_from";
  readonly reason: string;
}

/**
 * Every row that overlaps an earlier-starting row of the same source id, naming both rows
 * and the fix. Sorted by line.
 */
export function identityOverlaps(rows: readonly IdentityLine[]): IdentityOverlap[] {
  const bySourceId = new Map<string, IdentityLine[]>();
  for (const row of rows) {
    const list = bySourceId.get(row.sourceUserId) ?? [];
    list.push(row);
    bySourceId.set(row.sourceUserId, list);
  }
  const overlaps: IdentityOverlap[] = [];
  for (const [sourceUserId, list] of bySourceId) {
    const sorted = list.toSorted(
      (a, b) => a.validFrom.getTime() - b.validFrom.getTime() || a.line - b.line,
    );
    // The open row reaching furthest so far: any later-starting row before its end overlaps.
    let reaching: IdentityLine | undefined;
    for (const row of sorted) {
      if (reaching && (reaching.validTo === null || reaching.validTo > row.validFrom)) {
        const people =
          reaching.userId === row.userId
            ? `to "${row.userId}" twice`
            : `to "${reaching.userId}" (line ${reaching.line}) and to "${row.userId}" (line ${row.line})`;
        overlaps.push({
          line: row.line,
          column: "valid_from",
          reason: `source id "${sourceUserId}" is mapped ${people} at overlapping times (lines ${reaching.line} and ${row.line}): set valid_to of line ${reaching.line} to at most ${row.validFrom.toISOString()}, or remove one row`,
        });
      }
      if (
        !reaching ||
        (reaching.validTo !== null && (row.validTo === null || row.validTo > reaching.validTo))
      ) {
        reaching = row;
      }
    }
  }
  return overlaps.sort((a, b) => a.line - b.line);
}
